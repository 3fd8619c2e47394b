#include "models/simulation/city_simulator.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/core/data_paths.h"
#include "models/core/input_error.h"

namespace wbe {
namespace {

using nlohmann::json;

// Every number of a run, bit-exact (hex floats), so two runs compare as strings.
std::string Fingerprint(const SimulatedCity& s) {
  std::ostringstream out;
  char buffer[64];
  auto number = [&](double value) {
    std::snprintf(buffer, sizeof(buffer), "%a,", value);
    out << buffer;
  };
  for (const FlowRecord& f : s.flows) {
    out << f.site_id << f.day;
    number(f.flow_m3_per_day);
    number(f.rain_mm);
    number(f.cod_mg_per_l);
    number(f.nh4_n_mg_per_l);
  }
  for (const Measurement& m : s.measurements) {
    out << m.site_id << m.day << m.analyte << m.censored << m.batch_id;
    number(m.concentration_ng_per_l);
    number(m.loq_ng_per_l);
  }
  for (const LabInjectionRow& r : s.lab_rows) {
    out << r.batch_id << r.injection << r.type << r.level << r.site_id << r.sampling_date
        << r.analyte;
    number(r.area);
    number(r.istd_area);
    number(r.retention_time_min);
    number(r.qualifier_ratio);
    number(r.enrichment_factor);
    number(r.expected_concentration_ng_per_l);
  }
  for (const DistrictDayTruth& t : s.truth.districts) {
    out << t.district_id << t.day << t.drug;
    number(t.consumption_mg);
  }
  for (const SiteDayTruth& t : s.truth.sites) {
    out << t.site_id << t.day << t.biomarker;
    number(t.load_mg_per_day);
    number(t.concentration_ng_per_l);
  }
  for (const InjectedEvent& e : s.truth.events) {
    out << e.kind << e.district_id << e.drug << e.start_day << e.end_day;
    number(e.magnitude);
  }
  return out.str();
}

json DemoCityJson() {
  std::ifstream in(DataPath("models/simulation/demo_city.json"));
  return json::parse(in);
}

class CitySimulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    run_ = new SimulatedCity(SimulateCity(*catalogue_, SimulationOptions{}));
    SimulationOptions quiet;
    quiet.noise = false;
    noise_free_ = new SimulatedCity(SimulateCity(*catalogue_, quiet));
  }
  static void TearDownTestSuite() {
    delete noise_free_;
    delete run_;
    delete catalogue_;
  }

  static double Consumption(const SimulatedCity& s, const std::string& district,
                            const std::string& drug, DayIndex day) {
    for (const DistrictDayTruth& t : s.truth.districts) {
      if (t.district_id == district && t.drug == drug && t.day == day) return t.consumption_mg;
    }
    ADD_FAILURE() << "no consumption truth for " << district << " " << drug << " " << day;
    return 0.0;
  }

  static const SiteDayTruth& SiteTruth(const SimulatedCity& s, const std::string& site,
                                       const std::string& biomarker, DayIndex day) {
    for (const SiteDayTruth& t : s.truth.sites) {
      if (t.site_id == site && t.biomarker == biomarker && t.day == day) return t;
    }
    ADD_FAILURE() << "no site truth for " << site << " " << biomarker << " " << day;
    static const SiteDayTruth kNone;
    return kNone;
  }

  static const InjectedEvent& Event(const SimulatedCity& s, const std::string& kind) {
    for (const InjectedEvent& e : s.truth.events) {
      if (e.kind == kind) return e;
    }
    ADD_FAILURE() << "no " << kind << " event";
    static const InjectedEvent kNone;
    return kNone;
  }

  static DrugCatalogue* catalogue_;
  static SimulatedCity* run_;         // the default options
  static SimulatedCity* noise_free_;  // the default options without noise
};

DrugCatalogue* CitySimulatorTest::catalogue_ = nullptr;
SimulatedCity* CitySimulatorTest::run_ = nullptr;
SimulatedCity* CitySimulatorTest::noise_free_ = nullptr;

TEST_F(CitySimulatorTest, SameSeedGivesIdenticalOutputsAndAnotherSeedDoesNot) {
  const SimulatedCity again = SimulateCity(*catalogue_, SimulationOptions{});
  EXPECT_EQ(Fingerprint(again), Fingerprint(*run_));
  SimulationOptions other;
  other.seed = 2;
  const SimulatedCity different = SimulateCity(*catalogue_, other);
  EXPECT_NE(Fingerprint(different), Fingerprint(*run_));
  ASSERT_EQ(different.truth.districts.size(), run_->truth.districts.size());
  int changed = 0;
  for (size_t i = 0; i < different.truth.districts.size(); ++i) {
    if (different.truth.districts[i].consumption_mg != run_->truth.districts[i].consumption_mg) {
      ++changed;
    }
  }
  EXPECT_GT(changed, static_cast<int>(run_->truth.districts.size() / 2));
}

TEST_F(CitySimulatorTest, CoversTheRequestedDaysSitesAndAnalytes) {
  const SimulationOptions defaults;
  EXPECT_EQ(IsoWeekday(defaults.start_day), 0);  // a Monday
  EXPECT_EQ(run_->days, 112);
  EXPECT_EQ(run_->flows.size(), run_->city.sites.size() * 112);
  EXPECT_EQ(run_->truth.sites.size(),
            run_->city.sites.size() * 112 * catalogue_->biomarkers().size());
  EXPECT_EQ(run_->analytes.size(), catalogue_->biomarkers().size());
  // Plant-inlet composites never fail; a few manhole composites may.
  std::map<std::string, std::set<DayIndex>> sampled;
  for (const Measurement& m : run_->measurements) sampled[m.site_id].insert(m.day);
  EXPECT_EQ(sampled["WWTP-IN"].size(), 112u);
  for (const SamplingSite& site : run_->city.sites) {
    EXPECT_GE(sampled[site.id].size(), 100u) << site.id;
  }
  EXPECT_EQ(run_->measurements.size(), [&] {
    size_t n = 0;
    for (const auto& [site, days] : sampled) n += days.size();
    return n * run_->analytes.size();
  }());
}

TEST_F(CitySimulatorTest, SiteLoadIsTheShiftedDecayedSumOfDistrictExcretion) {
  const SimulatedCity& s = *run_;
  const DrugCatalogue& cat = *catalogue_;
  const json scenario = DemoCityJson().at("scenario");
  double amp_from_meth_ratio = 0.0;
  for (const json& f : scenario.at("metabolic_formation")) {
    if (f.at("from_biomarker") == "methamphetamine" && f.at("to_biomarker") == "amphetamine") {
      amp_from_meth_ratio = f.at("ratio").get<double>();
    }
  }
  ASSERT_GT(amp_from_meth_ratio, 0.0);

  auto route_factor = [&](const std::string& drug, const std::string& biomarker) {
    const Drug& d = cat.GetDrug(drug);
    return d.FindRoute(biomarker)->excretion_fraction.point() *
           cat.GetBiomarker(biomarker).molecular_weight_g_per_mol.point() /
           d.molecular_weight_g_per_mol.point();
  };
  // Biomarker mass excreted by a district on a day, rebuilt from the consumption truth.
  auto excreted = [&](const std::string& district, const std::string& biomarker, DayIndex day) {
    if (biomarker == "methamphetamine") {
      return Consumption(s, district, "methamphetamine", day) *
             route_factor("methamphetamine", "methamphetamine");
    }
    if (biomarker == "6-monoacetylmorphine") {
      return Consumption(s, district, "heroin", day) * route_factor("heroin", biomarker);
    }
    // amphetamine: own use plus what methamphetamine users excrete as amphetamine
    return Consumption(s, district, "amphetamine", day) *
               route_factor("amphetamine", "amphetamine") +
           amp_from_meth_ratio * Consumption(s, district, "methamphetamine", day) *
               route_factor("methamphetamine", "methamphetamine");
  };

  const DayIndex day = s.start_day + 50;
  for (const std::string site : {"WWTP-IN", "MH-AB", "MH-DE"}) {
    for (const std::string biomarker : {"methamphetamine", "6-monoacetylmorphine", "amphetamine"}) {
      const BiomarkerStability& k = cat.GetBiomarker(biomarker).stability;
      double expected = 0.0;
      for (const DistrictPath& path : s.city.UpstreamDistricts(site)) {
        const std::string& district = s.city.districts[path.district_index].id;
        const double tau_h = path.gravity_h + path.rising_main_h;
        const int whole_days = static_cast<int>(tau_h / 24.0);
        const double spill = tau_h / 24.0 - whole_days;
        const double survival = std::exp(-k.gravity_k_per_h.point() * path.gravity_h -
                                         k.rising_main_k_per_h.point() * path.rising_main_h);
        expected += survival * ((1.0 - spill) * excreted(district, biomarker, day - whole_days) +
                                spill * excreted(district, biomarker, day - whole_days - 1));
      }
      const SiteDayTruth& truth = SiteTruth(s, site, biomarker, day);
      EXPECT_NEAR(truth.load_mg_per_day, expected, 1e-9 * expected) << site << " " << biomarker;
    }
  }
  // The rising main really removes amphetamine on the way from D and E to the plant.
  EXPECT_GT(cat.GetBiomarker("amphetamine").stability.rising_main_k_per_h.point(), 0.0);
}

TEST_F(CitySimulatorTest, ConcentrationIsLoadOverTrueFlow) {
  std::map<std::pair<std::string, DayIndex>, double> flow;
  for (const FlowRecord& f : run_->true_flows) flow[{f.site_id, f.day}] = f.flow_m3_per_day;
  for (const SiteDayTruth& t : run_->truth.sites) {
    const double f = flow.at({t.site_id, t.day});
    ASSERT_NEAR(t.concentration_ng_per_l, t.load_mg_per_day / f * 1e3,
                1e-12 * (1.0 + t.concentration_ng_per_l));
  }
}

TEST_F(CitySimulatorTest, DistrictInputsMatchConsumption) {
  const Drug& meth = catalogue_->GetDrug("methamphetamine");
  const double factor = meth.FindRoute("methamphetamine")->excretion_fraction.point();
  int checked = 0;
  for (const DistrictDayInput& input : run_->district_inputs) {
    if (input.biomarker != "methamphetamine" || input.day < run_->start_day) continue;
    const double expected =
        Consumption(*run_, input.district_id, "methamphetamine", input.day) * factor;
    EXPECT_NEAR(input.excreted_mg, expected, 1e-9 * expected);
    EXPECT_EQ(input.dumped_mg, 0.0);
    if (++checked > 50) break;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(CitySimulatorTest, RainRaisesFlowAndDilutes) {
  // Without day-to-day noise every wet day carries more water than any dry day.
  double max_dry = 0.0;
  double min_wet = 1e300;
  int wet_days = 0;
  for (const FlowRecord& f : noise_free_->true_flows) {
    if (f.site_id != "WWTP-IN") continue;
    if (f.rain_mm > 0.0) {
      ++wet_days;
      min_wet = std::min(min_wet, f.flow_m3_per_day);
    } else {
      max_dry = std::max(max_dry, f.flow_m3_per_day);
    }
  }
  ASSERT_GT(wet_days, 5);
  EXPECT_GT(min_wet, max_dry);

  // With noise, on average: more flow and lower methamphetamine concentration on wet days.
  std::map<DayIndex, double> rain;
  double wet_flow = 0.0, dry_flow = 0.0;
  int wet = 0, dry = 0;
  for (const FlowRecord& f : run_->flows) {
    if (f.site_id != "WWTP-IN") continue;
    rain[f.day] = f.rain_mm;
    (f.rain_mm > 0.0 ? wet_flow : dry_flow) += f.flow_m3_per_day;
    (f.rain_mm > 0.0 ? wet : dry) += 1;
  }
  ASSERT_GT(wet, 0);
  ASSERT_GT(dry, 0);
  EXPECT_GT(wet_flow / wet, 1.05 * dry_flow / dry);
  double wet_conc = 0.0, dry_conc = 0.0;
  for (const SiteDayTruth& t : noise_free_->truth.sites) {
    if (t.site_id != "WWTP-IN" || t.biomarker != "methadone") continue;
    (rain.at(t.day) > 0.0 ? wet_conc : dry_conc) += t.concentration_ng_per_l;
  }
  EXPECT_LT(wet_conc / wet, dry_conc / dry);
}

// Mean of a biomarker's plant-inlet truth load on the given weekdays (0 = Monday).
double MeanLoadOn(const SimulatedCity& s, const std::string& biomarker,
                  const std::set<int>& weekdays) {
  double sum = 0.0;
  int n = 0;
  for (const SiteDayTruth& t : s.truth.sites) {
    if (t.site_id == "WWTP-IN" && t.biomarker == biomarker && weekdays.count(IsoWeekday(t.day))) {
      sum += t.load_mg_per_day;
      ++n;
    }
  }
  return sum / n;
}

TEST_F(CitySimulatorTest, WeekendPatternShowsForCocaineAndMdmaButNotMethamphetamine) {
  const std::set<int> midweek = {0, 1, 2};
  const std::set<int> weekend = {5, 6};
  EXPECT_GT(MeanLoadOn(*run_, "benzoylecgonine", weekend),
            1.25 * MeanLoadOn(*run_, "benzoylecgonine", midweek));
  EXPECT_GT(MeanLoadOn(*run_, "MDMA", weekend), 1.4 * MeanLoadOn(*run_, "MDMA", midweek));
  const double meth_ratio =
      MeanLoadOn(*run_, "methamphetamine", weekend) / MeanLoadOn(*run_, "methamphetamine", midweek);
  EXPECT_GT(meth_ratio, 0.9);
  EXPECT_LT(meth_ratio, 1.1);
}

TEST_F(CitySimulatorTest, EventsAreInTheTruthAndVisibleInSiteLoads) {
  const SimulatedCity& s = *run_;
  ASSERT_EQ(s.truth.events.size(), 3u);

  // Surge: methamphetamine in B; MH-AB sees it, MH-A (A only) does not.
  const InjectedEvent& surge = Event(s, "surge");
  EXPECT_EQ(surge.district_id, "B");
  EXPECT_EQ(surge.drug, "methamphetamine");
  EXPECT_EQ(surge.end_day - surge.start_day + 1, 21);
  EXPECT_GE(surge.magnitude, 2.0);
  auto mean_load = [&](const std::string& site, const std::string& biomarker, DayIndex from,
                       DayIndex to) {
    double sum = 0.0;
    for (DayIndex d = from; d <= to; ++d) sum += SiteTruth(s, site, biomarker, d).load_mg_per_day;
    return sum / (to - from + 1);
  };
  const DayIndex before_from = surge.start_day - 21;
  const DayIndex before_to = surge.start_day - 1;
  const DayIndex during_from = surge.start_day + 1;  // past the composite spill-over
  EXPECT_GT(mean_load("MH-AB", "methamphetamine", during_from, surge.end_day),
            1.5 * mean_load("MH-AB", "methamphetamine", before_from, before_to));
  const double a_ratio = mean_load("MH-A", "methamphetamine", during_from, surge.end_day) /
                         mean_load("MH-A", "methamphetamine", before_from, before_to);
  EXPECT_GT(a_ratio, 0.8);
  EXPECT_LT(a_ratio, 1.25);

  // New substance: etomidate appears in C from its start day and nowhere else.
  const InjectedEvent& fresh = Event(s, "new_substance");
  EXPECT_EQ(fresh.district_id, "C");
  EXPECT_EQ(fresh.drug, "etomidate");
  EXPECT_EQ(fresh.end_day, s.start_day + s.days - 1);
  for (const DistrictDayTruth& t : s.truth.districts) {
    if (t.drug != "etomidate") continue;
    if (t.district_id == "C" && t.day >= fresh.start_day) {
      EXPECT_GT(t.consumption_mg, 0.0);
    } else {
      EXPECT_EQ(t.consumption_mg, 0.0) << t.district_id << " " << FormatIsoDate(t.day);
    }
  }
  EXPECT_EQ(SiteTruth(s, "MH-N", "etomidate", fresh.start_day - 1).load_mg_per_day, 0.0);
  EXPECT_GT(SiteTruth(s, "MH-N", "etomidate", fresh.start_day + 1).load_mg_per_day, 0.0);
  EXPECT_EQ(SiteTruth(s, "MH-AB", "etomidate", fresh.start_day + 7).load_mg_per_day, 0.0);
  int detections_before = 0, detections_after = 0;
  for (const Measurement& m : s.measurements) {
    if (m.analyte != "etomidate" || m.censored) continue;
    (m.day < fresh.start_day ? detections_before : detections_after) += 1;
    EXPECT_TRUE(m.site_id == "MH-N" || m.site_id == "WWTP-IN") << m.site_id;
  }
  EXPECT_EQ(detections_before, 0);
  EXPECT_GT(detections_after, 20);

  // Dumping: ketamine without norketamine at A's manhole; nobody consumed it.
  const InjectedEvent& dump = Event(s, "dumping");
  EXPECT_EQ(dump.district_id, "A");
  EXPECT_EQ(dump.start_day, dump.end_day);
  EXPECT_LT(Consumption(s, "A", "ketamine", dump.start_day), 0.25 * dump.magnitude);
  auto ket_nk = [&](DayIndex day) {
    return SiteTruth(s, "MH-A", "ketamine", day).load_mg_per_day /
           SiteTruth(s, "MH-A", "norketamine", day).load_mg_per_day;
  };
  EXPECT_GT(ket_nk(dump.start_day), 10.0 * ket_nk(dump.start_day - 7));
  double dumped = 0.0;
  for (const DistrictDayInput& input : s.district_inputs) dumped += input.dumped_mg;
  EXPECT_DOUBLE_EQ(dumped, dump.magnitude);
}

TEST_F(CitySimulatorTest, EventsCanBeSwitchedOff) {
  SimulationOptions options;
  options.inject_events = false;
  const SimulatedCity calm = SimulateCity(*catalogue_, options);
  EXPECT_TRUE(calm.truth.events.empty());
  for (const DistrictDayTruth& t : calm.truth.districts) {
    if (t.drug == "etomidate") {
      EXPECT_EQ(t.consumption_mg, 0.0);
    }
  }
}

TEST_F(CitySimulatorTest, CensoredResultsKeepTheirLimitAndAreNeverZero) {
  int censored = 0;
  for (const Measurement& m : run_->measurements) {
    EXPECT_GT(m.loq_ng_per_l, 0.0);
    EXPECT_FALSE(m.batch_id.empty());
    if (m.censored) {
      ++censored;
      EXPECT_TRUE(std::isnan(m.concentration_ng_per_l));
    } else {
      EXPECT_TRUE(std::isfinite(m.concentration_ng_per_l));
      EXPECT_GE(m.concentration_ng_per_l, m.loq_ng_per_l);
    }
  }
  EXPECT_GT(censored, 0);
  // The LOQ is the catalogue's.
  for (const Measurement& m : run_->measurements) {
    ASSERT_EQ(m.loq_ng_per_l, catalogue_->GetBiomarker(m.analyte).default_loq_ng_per_l.point());
  }
}

TEST_F(CitySimulatorTest, NoiseFreeMeasurementsEqualTheTruth) {
  const json scenario = DemoCityJson().at("scenario");
  const double storage_h = scenario.at("sampling").at("unrefrigerated_storage_h").get<double>();
  std::map<std::tuple<std::string, DayIndex, std::string>, double> truth;
  for (const SiteDayTruth& t : noise_free_->truth.sites) {
    truth[{t.site_id, t.day, t.biomarker}] = t.concentration_ng_per_l;
  }
  int compared = 0;
  for (const Measurement& m : noise_free_->measurements) {
    if (m.censored) continue;
    const double k = catalogue_->GetBiomarker(m.analyte).stability.in_sample_k_per_h.point();
    const double expected = truth.at({m.site_id, m.day, m.analyte}) * std::exp(-k * storage_h);
    // Only the instrument export's rounding of areas separates the two.
    EXPECT_NEAR(m.concentration_ng_per_l, expected, 1e-4 * expected);
    ++compared;
  }
  EXPECT_GT(compared, 1000);
}

TEST_F(CitySimulatorTest, EveryMeasurementComesFromASampleInItsBatch) {
  std::set<std::tuple<std::string, std::string, DayIndex, std::string>> samples;
  std::set<std::string> batches;
  size_t sample_rows = 0;
  for (const LabInjectionRow& row : run_->lab_rows) {
    batches.insert(row.batch_id);
    if (row.type == "sample") {
      ++sample_rows;
      samples.insert({row.batch_id, row.site_id, row.sampling_date, row.analyte});
    }
  }
  EXPECT_EQ(batches.size(), 16u);  // one a week
  EXPECT_EQ(sample_rows, run_->measurements.size());
  for (const Measurement& m : run_->measurements) {
    ASSERT_TRUE(batches.count(m.batch_id)) << m.batch_id;
    EXPECT_TRUE(samples.count({m.batch_id, m.site_id, m.day, m.analyte}))
        << m.batch_id << " " << m.site_id << " " << FormatIsoDate(m.day) << " " << m.analyte;
  }
}

TEST_F(CitySimulatorTest, BatchesHoldCurveQcsBlanksAndOneFailingQc) {
  const json lab = DemoCityJson().at("scenario").at("lab");
  const size_t cal_levels = lab.at("calibration_levels_ng_per_l").size();
  const size_t qc_levels = lab.at("qc_levels_ng_per_l").size();
  const int failing_batch = lab.at("failing_qc").at("batch_number").get<int>();
  const int failing_level = lab.at("failing_qc").at("level").get<int>();
  std::map<std::string, double> nominal_rt;
  for (const json& a : lab.at("analytes")) {
    nominal_rt[a.at("analyte").get<std::string>()] = a.at("retention_time_min").get<double>();
  }

  std::map<std::string, std::map<std::string, int>> counts;  // batch -> type -> injections
  std::vector<std::string> batch_order;
  for (const LabInjectionRow& row : run_->lab_rows) {
    if (counts.find(row.batch_id) == counts.end()) batch_order.push_back(row.batch_id);
    if (row.analyte == "methamphetamine") counts[row.batch_id][row.type] += 1;
    if (row.area > 0.0) {
      EXPECT_NEAR(row.retention_time_min, nominal_rt.at(row.analyte), 0.1);
    }
    if (row.type == "sample") {
      EXPECT_TRUE(std::isnan(row.expected_concentration_ng_per_l));
      EXPECT_GT(row.enrichment_factor, 1.0);
      EXPECT_EQ(row.level, 0);
    } else {
      EXPECT_FALSE(std::isnan(row.expected_concentration_ng_per_l));
      EXPECT_TRUE(row.site_id.empty());
    }
  }
  for (const auto& [batch, types] : counts) {
    EXPECT_EQ(types.at("cal"), static_cast<int>(cal_levels)) << batch;
    EXPECT_EQ(types.at("qc"), static_cast<int>(3 * qc_levels)) << batch;
    EXPECT_GE(types.at("blank"), 4) << batch;
    EXPECT_GT(types.at("sample"), 0) << batch;
  }

  // Noise-free: the high QC's response factor matches the top standard's except in the
  // deliberately failing batch.
  std::map<std::string, double> top_cal_rf;
  std::vector<std::string> order;
  for (const LabInjectionRow& row : noise_free_->lab_rows) {
    if (row.analyte != "methamphetamine") continue;
    if (top_cal_rf.find(row.batch_id) == top_cal_rf.end() && row.type == "cal" &&
        row.level == static_cast<int>(cal_levels)) {
      top_cal_rf[row.batch_id] = row.area / row.istd_area / row.expected_concentration_ng_per_l;
      order.push_back(row.batch_id);
    }
  }
  for (const LabInjectionRow& row : noise_free_->lab_rows) {
    if (row.analyte != "methamphetamine" || row.type != "qc" || row.level != failing_level) {
      continue;
    }
    const double rf = row.area / row.istd_area / row.expected_concentration_ng_per_l;
    const double relative = rf / top_cal_rf.at(row.batch_id);
    if (row.batch_id == order.at(failing_batch - 1)) {
      EXPECT_GT(relative, 1.2) << row.batch_id;
    } else {
      EXPECT_NEAR(relative, 1.0, 0.05) << row.batch_id;
    }
  }
}

// Splits one CSV record (RFC 4180 quoting; no line breaks inside fields in these files).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

TEST_F(CitySimulatorTest, LabCsvFilesReadBackRowForRow) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "wbe_city_simulator_test_batches";
  std::filesystem::remove_all(dir);
  WriteLabBatchesCsv(*run_, dir.string());
  const std::vector<std::string> header = {"batch_id",
                                           "injection",
                                           "type",
                                           "level",
                                           "site_id",
                                           "sampling_date",
                                           "analyte",
                                           "area",
                                           "istd_area",
                                           "retention_time_min",
                                           "qualifier_ratio",
                                           "enrichment_factor",
                                           "expected_concentration_ng_per_l"};
  size_t files = 0;
  size_t rows = 0;
  std::map<std::string, const LabInjectionRow*> first_sample;  // batch -> first sample row
  for (const LabInjectionRow& row : run_->lab_rows) {
    if (row.type == "sample") first_sample.try_emplace(row.batch_id, &row);
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(SplitCsv(line), header);
    const std::string batch_id = entry.path().stem().string();
    bool checked_sample = false;
    while (std::getline(in, line)) {
      ++rows;
      const std::vector<std::string> fields = SplitCsv(line);
      ASSERT_EQ(fields.size(), header.size()) << line;
      EXPECT_EQ(fields[0], batch_id);
      if (!checked_sample && fields[2] == "sample") {
        const LabInjectionRow& expected = *first_sample.at(batch_id);
        EXPECT_EQ(fields[3], "");  // level: not applicable
        EXPECT_EQ(fields[4], expected.site_id);
        EXPECT_EQ(ParseIsoDate(fields[5]), expected.sampling_date);
        EXPECT_EQ(fields[6], expected.analyte);
        EXPECT_EQ(std::stod(fields[7]), expected.area);
        EXPECT_EQ(std::stod(fields[8]), expected.istd_area);
        EXPECT_EQ(fields[12], "");  // expected concentration: not applicable
        checked_sample = true;
      }
    }
    EXPECT_TRUE(checked_sample) << batch_id;
  }
  EXPECT_EQ(files, 16u);
  EXPECT_EQ(rows, run_->lab_rows.size());
  std::filesystem::remove_all(dir);
}

TEST_F(CitySimulatorTest, WritesTheGroundTruth) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "wbe_city_simulator_test_truth";
  std::filesystem::remove_all(dir);
  WriteGroundTruth(*run_, dir.string());
  auto data_lines = [&](const char* file) {
    std::ifstream in(dir / file);
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines - 1;  // the header
  };
  EXPECT_EQ(data_lines("district_consumption.csv"), run_->truth.districts.size());
  EXPECT_EQ(data_lines("district_inputs.csv"), run_->district_inputs.size());
  EXPECT_EQ(data_lines("site_loads.csv"), run_->truth.sites.size());
  EXPECT_EQ(data_lines("flows.csv"), run_->true_flows.size());
  std::ifstream events(dir / "events.json");
  const json run = json::parse(events);
  EXPECT_EQ(run.at("events").size(), 3u);
  EXPECT_EQ(run.at("seed").get<uint64_t>(), 1u);
  EXPECT_EQ(run.at("start_date"), FormatIsoDate(run_->start_day));
  std::filesystem::remove_all(dir);
}

TEST_F(CitySimulatorTest, BadOptionsAndScenariosAreRejected) {
  SimulationOptions options;
  options.days = 0;
  EXPECT_FALSE(options.Check());
  EXPECT_THROW(SimulateCity(*catalogue_, options), std::invalid_argument);

  auto error_of = [&](const std::function<void(json*)>& edit) {
    json document = DemoCityJson();
    edit(&document);
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / "wbe_city_simulator_test_scenario.json";
    {
      std::ofstream out(path);
      out << document.dump();
    }
    SimulationOptions o;
    o.scenario_path = path.string();
    o.days = 7;
    std::string field;
    try {
      SimulateCity(*catalogue_, o);
      ADD_FAILURE() << "the edited scenario was accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), path.string());
      field = std::string(e.field()) + " | " + e.message();
    }
    std::filesystem::remove(path);
    return field;
  };
  const std::string unknown_drug =
      error_of([](json* d) { (*d)["scenario"]["drugs"][0]["drug"] = "moonshine"; });
  EXPECT_NE(unknown_drug.find("/scenario/drugs/0/drug"), std::string::npos) << unknown_drug;
  EXPECT_NE(unknown_drug.find("moonshine"), std::string::npos) << unknown_drug;

  const std::string missing_fraction = error_of([](json* d) {
    for (json& drug : (*d)["scenario"]["drugs"]) {
      if (drug["drug"] == "etomidate") drug.erase("simulated_excretion_fractions");
    }
  });
  EXPECT_NE(missing_fraction.find("etomidate"), std::string::npos) << missing_fraction;

  const std::string bad_district =
      error_of([](json* d) { (*d)["scenario"]["events"][0]["district"] = "Z"; });
  EXPECT_NE(bad_district.find("/scenario/events/0/district"), std::string::npos) << bad_district;

  const std::string short_week = error_of([](json* d) {
    (*d)["scenario"]["drugs"][0]["day_of_week_factors"] = json::array({1, 1, 1, 1, 1, 1, 1, 1});
  });
  EXPECT_NE(short_week.find("exactly 7"), std::string::npos) << short_week;

  const std::string schema = error_of([](json* d) { (*d)["scenario"]["rain"].erase("mean_mm"); });
  EXPECT_NE(schema.find("/scenario/rain"), std::string::npos) << schema;
  EXPECT_NE(schema.find("mean_mm"), std::string::npos) << schema;
}

}  // namespace
}  // namespace wbe
