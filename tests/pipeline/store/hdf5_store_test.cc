#include "pipeline/store/hdf5_store.h"

#include <H5Cpp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/civil_day.h"
#include "models/core/input_error.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Comparison helpers: doubles must come back bit for bit, NaN included.

::testing::AssertionResult SameDouble(double expected, double actual) {
  if (std::memcmp(&expected, &actual, sizeof(double)) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << expected << ", got " << actual;
}

void ExpectSameValue(const UncertainValue& e, const UncertainValue& a, const std::string& what) {
  EXPECT_TRUE(SameDouble(e.point, a.point)) << what << ".point";
  EXPECT_TRUE(SameDouble(e.median, a.median)) << what << ".median";
  EXPECT_TRUE(SameDouble(e.p05, a.p05)) << what << ".p05";
  EXPECT_TRUE(SameDouble(e.p95, a.p95)) << what << ".p95";
}

void ExpectSameDistrictEstimates(const std::vector<DistrictEstimate>& e,
                                 const std::vector<DistrictEstimate>& a, const std::string& what) {
  ASSERT_EQ(e.size(), a.size()) << what;
  for (size_t i = 0; i < e.size(); ++i) {
    SCOPED_TRACE(what + " " + std::to_string(i));
    const DistrictEstimate& x = e[i];
    const DistrictEstimate& y = a[i];
    EXPECT_EQ(x.group_id, y.group_id);
    EXPECT_EQ(x.district_ids, y.district_ids);
    EXPECT_EQ(x.resolved, y.resolved);
    EXPECT_EQ(x.drug, y.drug);
    EXPECT_EQ(x.biomarker, y.biomarker);
    EXPECT_EQ(x.start_day, y.start_day);
    EXPECT_EQ(x.days, y.days);
    EXPECT_TRUE(SameDouble(x.population, y.population));
    EXPECT_EQ(x.observations, y.observations);
    EXPECT_EQ(x.censored_observations, y.censored_observations);
    EXPECT_EQ(x.flagged_observations, y.flagged_observations);
    ExpectSameValue(x.mass_mg_per_day, y.mass_mg_per_day, "mass_mg_per_day");
    ExpectSameValue(x.consumption_mg_per_day, y.consumption_mg_per_day, "consumption_mg_per_day");
    EXPECT_TRUE(SameDouble(x.consumption_p05_given_parameters, y.consumption_p05_given_parameters));
    EXPECT_TRUE(SameDouble(x.consumption_p95_given_parameters, y.consumption_p95_given_parameters));
    ExpectSameValue(x.consumption_mg_per_day_per_1000, y.consumption_mg_per_day_per_1000,
                    "consumption_mg_per_day_per_1000");
    ExpectSameValue(x.users, y.users, "users");
    EXPECT_EQ(x.batch_ids, y.batch_ids);
    EXPECT_EQ(x.catalogue_version, y.catalogue_version);
    EXPECT_EQ(x.draws, y.draws);
    EXPECT_EQ(x.seed, y.seed);
    EXPECT_EQ(x.note, y.note);
  }
}

void ExpectSameContents(const StoreContents& e, const StoreContents& a) {
  EXPECT_EQ(e.attributes, a.attributes);

  EXPECT_EQ(e.city.name, a.city.name);
  ASSERT_EQ(e.city.districts.size(), a.city.districts.size());
  for (size_t i = 0; i < e.city.districts.size(); ++i) {
    SCOPED_TRACE("district " + std::to_string(i));
    const District& x = e.city.districts[i];
    const District& y = a.city.districts[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.name, y.name);
    EXPECT_TRUE(SameDouble(x.population, y.population));
    EXPECT_TRUE(SameDouble(x.area_km2, y.area_km2));
    EXPECT_EQ(x.registered_users, y.registered_users);
    EXPECT_EQ(x.outlet_node, y.outlet_node);
  }
  EXPECT_EQ(e.city.nodes, a.city.nodes);
  ASSERT_EQ(e.city.edges.size(), a.city.edges.size());
  for (size_t i = 0; i < e.city.edges.size(); ++i) {
    SCOPED_TRACE("edge " + std::to_string(i));
    EXPECT_EQ(e.city.edges[i].from_node, a.city.edges[i].from_node);
    EXPECT_EQ(e.city.edges[i].to_node, a.city.edges[i].to_node);
    EXPECT_TRUE(SameDouble(e.city.edges[i].travel_time_h, a.city.edges[i].travel_time_h));
    EXPECT_EQ(e.city.edges[i].sewer_type, a.city.edges[i].sewer_type);
  }
  ASSERT_EQ(e.city.sites.size(), a.city.sites.size());
  for (size_t i = 0; i < e.city.sites.size(); ++i) {
    SCOPED_TRACE("site " + std::to_string(i));
    EXPECT_EQ(e.city.sites[i].id, a.city.sites[i].id);
    EXPECT_EQ(e.city.sites[i].name, a.city.sites[i].name);
    EXPECT_EQ(e.city.sites[i].kind, a.city.sites[i].kind);
    EXPECT_EQ(e.city.sites[i].node, a.city.sites[i].node);
  }

  ASSERT_EQ(e.flows.size(), a.flows.size());
  for (size_t i = 0; i < e.flows.size(); ++i) {
    SCOPED_TRACE("flow " + std::to_string(i));
    EXPECT_EQ(e.flows[i].site_id, a.flows[i].site_id);
    EXPECT_EQ(e.flows[i].day, a.flows[i].day);
    EXPECT_TRUE(SameDouble(e.flows[i].flow_m3_per_day, a.flows[i].flow_m3_per_day));
    EXPECT_TRUE(SameDouble(e.flows[i].rain_mm, a.flows[i].rain_mm));
    EXPECT_TRUE(SameDouble(e.flows[i].cod_mg_per_l, a.flows[i].cod_mg_per_l));
    EXPECT_TRUE(SameDouble(e.flows[i].nh4_n_mg_per_l, a.flows[i].nh4_n_mg_per_l));
  }

  ASSERT_EQ(e.measurements.size(), a.measurements.size());
  for (size_t i = 0; i < e.measurements.size(); ++i) {
    SCOPED_TRACE("measurement " + std::to_string(i));
    const Measurement& x = e.measurements[i];
    const Measurement& y = a.measurements[i];
    EXPECT_EQ(x.site_id, y.site_id);
    EXPECT_EQ(x.day, y.day);
    EXPECT_EQ(x.analyte, y.analyte);
    EXPECT_TRUE(SameDouble(x.concentration_ng_per_l, y.concentration_ng_per_l));
    EXPECT_EQ(x.censored, y.censored);
    EXPECT_TRUE(SameDouble(x.loq_ng_per_l, y.loq_ng_per_l));
    EXPECT_EQ(x.batch_id, y.batch_id);
    EXPECT_EQ(x.qc_flags, y.qc_flags);
  }

  ASSERT_EQ(e.site_estimates.size(), a.site_estimates.size());
  for (size_t i = 0; i < e.site_estimates.size(); ++i) {
    SCOPED_TRACE("estimate " + std::to_string(i));
    const SiteDayEstimate& x = e.site_estimates[i];
    const SiteDayEstimate& y = a.site_estimates[i];
    EXPECT_EQ(x.site_id, y.site_id);
    EXPECT_EQ(x.day, y.day);
    EXPECT_EQ(x.drug, y.drug);
    EXPECT_EQ(x.biomarker, y.biomarker);
    EXPECT_EQ(x.censored, y.censored);
    EXPECT_TRUE(SameDouble(x.population, y.population));
    ExpectSameValue(x.load_mg_per_day, y.load_mg_per_day, "load_mg_per_day");
    ExpectSameValue(x.normalised_load_mg_per_day_per_1000, y.normalised_load_mg_per_day_per_1000,
                    "normalised_load_mg_per_day_per_1000");
    ExpectSameValue(x.consumption_mg_per_day_per_1000, y.consumption_mg_per_day_per_1000,
                    "consumption_mg_per_day_per_1000");
    ExpectSameValue(x.doses_per_day_per_1000, y.doses_per_day_per_1000, "doses_per_day_per_1000");
    ExpectSameValue(x.users_per_1000, y.users_per_1000, "users_per_1000");
    EXPECT_EQ(x.batch_ids, y.batch_ids);
    EXPECT_EQ(x.catalogue_version, y.catalogue_version);
    EXPECT_EQ(x.draws, y.draws);
    EXPECT_EQ(x.seed, y.seed);
    EXPECT_EQ(x.note, y.note);
  }

  ExpectSameDistrictEstimates(e.district_estimates, a.district_estimates, "district estimate");
  ExpectSameDistrictEstimates(e.district_week_estimates, a.district_week_estimates,
                              "district week estimate");
  ASSERT_EQ(e.district_groups.size(), a.district_groups.size());
  for (size_t i = 0; i < e.district_groups.size(); ++i) {
    SCOPED_TRACE("district group " + std::to_string(i));
    EXPECT_EQ(e.district_groups[i].district_ids, a.district_groups[i].district_ids);
    EXPECT_EQ(e.district_groups[i].site_ids, a.district_groups[i].site_ids);
    EXPECT_EQ(e.district_groups[i].resolved, a.district_groups[i].resolved);
    EXPECT_EQ(e.district_groups[i].unobserved, a.district_groups[i].unobserved);
  }
  ASSERT_EQ(e.estimate_flags.size(), a.estimate_flags.size());
  for (size_t i = 0; i < e.estimate_flags.size(); ++i) {
    SCOPED_TRACE("estimate flag " + std::to_string(i));
    const EstimateFlag& x = e.estimate_flags[i];
    const EstimateFlag& y = a.estimate_flags[i];
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.site_id, y.site_id);
    EXPECT_EQ(x.day, y.day);
    EXPECT_EQ(x.drug, y.drug);
    EXPECT_EQ(x.biomarker, y.biomarker);
    EXPECT_TRUE(SameDouble(x.value, y.value));
    EXPECT_TRUE(SameDouble(x.expected, y.expected));
    EXPECT_EQ(x.batch_ids, y.batch_ids);
    EXPECT_EQ(x.message, y.message);
  }

  ASSERT_EQ(e.truth.has_value(), a.truth.has_value());
  if (!e.truth) return;
  ASSERT_EQ(e.truth->districts.size(), a.truth->districts.size());
  for (size_t i = 0; i < e.truth->districts.size(); ++i) {
    SCOPED_TRACE("district truth " + std::to_string(i));
    const DistrictDayTruth& x = e.truth->districts[i];
    const DistrictDayTruth& y = a.truth->districts[i];
    EXPECT_EQ(x.district_id, y.district_id);
    EXPECT_EQ(x.day, y.day);
    EXPECT_EQ(x.drug, y.drug);
    EXPECT_TRUE(SameDouble(x.consumption_mg, y.consumption_mg));
  }
  ASSERT_EQ(e.truth->sites.size(), a.truth->sites.size());
  for (size_t i = 0; i < e.truth->sites.size(); ++i) {
    SCOPED_TRACE("site truth " + std::to_string(i));
    const SiteDayTruth& x = e.truth->sites[i];
    const SiteDayTruth& y = a.truth->sites[i];
    EXPECT_EQ(x.site_id, y.site_id);
    EXPECT_EQ(x.day, y.day);
    EXPECT_EQ(x.biomarker, y.biomarker);
    EXPECT_TRUE(SameDouble(x.load_mg_per_day, y.load_mg_per_day));
    EXPECT_TRUE(SameDouble(x.concentration_ng_per_l, y.concentration_ng_per_l));
  }
  ASSERT_EQ(e.truth->events.size(), a.truth->events.size());
  for (size_t i = 0; i < e.truth->events.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    const InjectedEvent& x = e.truth->events[i];
    const InjectedEvent& y = a.truth->events[i];
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.district_id, y.district_id);
    EXPECT_EQ(x.site_id, y.site_id);
    EXPECT_EQ(x.drug, y.drug);
    EXPECT_EQ(x.start_day, y.start_day);
    EXPECT_EQ(x.end_day, y.end_day);
    EXPECT_TRUE(SameDouble(x.magnitude, y.magnitude));
    EXPECT_EQ(x.description, y.description);
  }
}

// ---------------------------------------------------------------------------------------------
// A small store that exercises every field, deliberately out of canonical order.

UncertainValue Value(double point, double median, double p05, double p95) {
  UncertainValue v;
  v.point = point;
  v.median = median;
  v.p05 = p05;
  v.p95 = p95;
  return v;
}

SiteDayEstimate Estimate(const std::string& site, DayIndex day, const std::string& drug,
                         const std::string& biomarker, double scale) {
  SiteDayEstimate e;
  e.site_id = site;
  e.day = day;
  e.drug = drug;
  e.biomarker = biomarker;
  e.population = 812345.5;
  e.load_mg_per_day = Value(scale * 1.5, scale * 1.4, scale * 0.9, scale * 2.2);
  e.normalised_load_mg_per_day_per_1000 = Value(scale * 0.01, scale * 0.011, scale * 0.005, 0.02);
  e.consumption_mg_per_day_per_1000 = Value(scale * 3.0, scale * 3.1, scale * 2.0, scale * 4.0);
  e.doses_per_day_per_1000 = Value(scale * 0.1, kNaN, kNaN, kNaN);  // no draws for this one
  e.users_per_1000 = Value(kNaN, kNaN, kNaN, kNaN);
  e.batch_ids = "LAB-A-2026-014,LAB-A-2026-015";
  e.catalogue_version = "2026.1";
  e.draws = 2000;
  e.seed = std::numeric_limits<unsigned long long>::max();  // above 2^53: must stay exact
  e.note = "users_per_1000: dose frequency unknown";
  return e;
}

DistrictEstimate DistrictRow(const std::string& group_id, const std::string& district_ids,
                             const std::string& drug, DayIndex start_day, int days, double scale) {
  DistrictEstimate e;
  e.group_id = group_id;
  e.district_ids = district_ids;
  e.resolved = district_ids.find(',') == std::string::npos;
  e.drug = drug;
  e.biomarker = drug == "heroin" ? "6-monoacetylmorphine" : drug;
  e.start_day = start_day;
  e.days = days;
  e.population = 45678.5 * scale;
  e.observations = 3 * days;
  e.censored_observations = 1;
  e.flagged_observations = days == 7 ? 2 : 0;
  e.mass_mg_per_day = Value(scale * 120.0, scale * 118.5, scale * 80.25, scale * 170.0);
  e.consumption_mg_per_day = Value(scale * 300.0, scale * 310.0, scale * 190.0, scale * 450.0);
  e.consumption_p05_given_parameters = scale * 250.0;
  e.consumption_p95_given_parameters = scale * 355.5;
  e.consumption_mg_per_day_per_1000 = Value(scale * 6.5, scale * 6.6, scale * 4.1, scale * 9.8);
  e.users = Value(scale * 12.0, kNaN, kNaN, kNaN);  // no interval without a dose frequency
  e.batch_ids = "B-2026-01,B-2026-02/v2";
  e.catalogue_version = "2026.1";
  e.draws = 1000;
  e.seed = std::numeric_limits<uint64_t>::max() - 1;  // above 2^53: must stay exact
  e.note = "users: 用药频次未知";
  return e;
}

StoreContents SampleContents() {
  const DayIndex d0 = DayFromCivil(2026, 3, 2);
  StoreContents c;
  c.attributes = {{"catalogue_version", "2026.1"},
                  {"generator", "wbe test 北京"},
                  {"seed", "42"},
                  {"created_utc", "2026-03-09T08:00:00Z"}};

  c.city.name = "北京 demo";
  c.city.districts = {
      {"D02", "海淀区 中关村街道", 98000.0, 3.1, 17, "N2"},
      {"D01", "朝阳区 望京街道", 125000.5, 4.25, std::nullopt, "N3"},
      {"D03", "Shunyi (no users)", 1000.0, 0.5, 0, "N1"},
  };
  c.city.nodes = {"N3", "N2", "N1", "PLANT"};
  c.city.edges = {{"N3", "N2", 1.5, SewerType::kGravity},
                  {"N2", "PLANT", 0.75, SewerType::kRisingMain},
                  {"N1", "PLANT", 2.0, SewerType::kGravity}};
  c.city.sites = {{"S_PLANT", "高碑店 inlet", SiteKind::kTreatmentPlantInlet, "PLANT"},
                  {"MH-07", "manhole 7", SiteKind::kManhole, "N2"}};

  for (int i = 4; i >= 0; --i) {
    FlowRecord f;
    f.site_id = i % 2 == 0 ? "S_PLANT" : "MH-07";
    f.day = d0 + i;
    f.flow_m3_per_day = 1.0e6 + 1234.5 * i;
    f.rain_mm = i == 3 ? 12.5 : 0.0;
    if (i != 2) f.cod_mg_per_l = 310.0 + i;  // day 2 keeps the NaN default
    f.nh4_n_mg_per_l = i == 1 ? kNaN : 35.0 - i;
    c.flows.push_back(f);
  }

  auto measurement = [&](const std::string& site, int day, const std::string& analyte,
                         double concentration, bool censored, const std::string& batch,
                         const std::string& flags) {
    Measurement m;
    m.site_id = site;
    m.day = d0 + day;
    m.analyte = analyte;
    m.concentration_ng_per_l = concentration;
    m.censored = censored;
    m.loq_ng_per_l = 2.5;
    m.batch_id = batch;
    m.qc_flags = flags;
    return m;
  };
  c.measurements = {
      measurement("S_PLANT", 2, "methamphetamine", 45.25, false, "B-2026-02/v2", ""),
      measurement("MH-07", 0, "ketamine", kNaN, true, "B-2026-01", "below_loq"),
      measurement("S_PLANT", 0, "6-monoacetylmorphine", 0.0, true, "B-2026-01", ""),
      measurement("S_PLANT", 1, "methamphetamine", 47.0, false, "B-2026-01",
                  "blank_high,ion_ratio"),
      // Two results for the same site, analyte and day (re-analysis): both kept.
      measurement("S_PLANT", 2, "methamphetamine", 44.0, false, "B-2026-02/v1", "superseded"),
      measurement("MH-07", 1, "ketamine", 12.0, false, "B-2026-01", ""),
  };

  c.site_estimates = {
      Estimate("S_PLANT", d0 + 1, "methamphetamine", "methamphetamine", 2.0),
      Estimate("S_PLANT", d0, "heroin", "6-monoacetylmorphine", 1.0),
      Estimate("S_PLANT", d0 + 2, "methamphetamine", "methamphetamine", 3.0),
      Estimate("MH-07", d0, "ketamine", "norketamine", 0.5),
  };
  c.site_estimates[1].censored = true;
  c.site_estimates[1].consumption_mg_per_day_per_1000 = Value(kNaN, kNaN, kNaN, kNaN);
  c.site_estimates[1].note = "excretion fraction unknown; upper bound at LOQ";
  // Provenance that varies inside one group has to be stored as columns.
  c.site_estimates[2].catalogue_version = "2026.2";
  c.site_estimates[2].draws = 500;
  c.site_estimates[2].seed = 7;

  // Deliberately out of order, with a group that only exists as a sum ("D+E"), a Chinese
  // group id and NaN values.
  c.district_estimates = {
      DistrictRow("D+E", "D,E", "methamphetamine", d0 + 1, 1, 2.0),
      DistrictRow("望京", "望京", "methamphetamine", d0, 1, 1.0),
      DistrictRow("D+E", "D,E", "methamphetamine", d0, 1, 1.5),
      DistrictRow("D+E", "D,E", "heroin", d0, 1, 0.25),
      DistrictRow("D01", "D01", "methamphetamine", d0 + 2, 1, 3.0),
      DistrictRow("D01", "D01", "methamphetamine", d0, 1, 0.5),
  };
  c.district_estimates[0].consumption_mg_per_day = Value(kNaN, kNaN, kNaN, kNaN);
  c.district_estimates[0].consumption_p05_given_parameters = kNaN;
  c.district_estimates[0].consumption_p95_given_parameters = kNaN;
  c.district_estimates[0].note = "excretion fraction unknown: 无法换算消费量";
  // Provenance that varies inside one group has to be stored as columns.
  c.district_estimates[4].catalogue_version = "2026.2";
  c.district_estimates[4].draws = 250;
  c.district_estimates[4].seed = 11;
  const DayIndex monday = DayFromCivil(2026, 3, 2);
  c.district_week_estimates = {
      DistrictRow("D+E", "D,E", "methamphetamine", monday + 7, 7, 1.25),
      DistrictRow("D01", "D01", "methamphetamine", monday, 7, 0.75),
      DistrictRow("D+E", "D,E", "methamphetamine", monday, 7, 1.0),
  };
  c.district_week_estimates[1].mass_mg_per_day = Value(kNaN, kNaN, kNaN, kNaN);
  // Groups keep the order given; an unobserved group has no sites.
  c.district_groups = {{{"D01"}, {"S_PLANT", "MH-07"}, true, false},
                       {{"D", "E"}, {"S_PLANT"}, false, false},
                       {{"望京"}, {"S_PLANT"}, true, false},
                       {{"D03"}, {}, false, true}};
  auto flag = [&](const std::string& kind, const std::string& site, int day,
                  const std::string& drug, double value, double expected,
                  const std::string& message) {
    EstimateFlag f;
    f.kind = kind;
    f.site_id = site;
    f.day = d0 + day;
    f.drug = drug;
    f.biomarker = drug;
    f.value = value;
    f.expected = expected;
    f.batch_ids = "B-2026-02/v2";
    f.message = message;
    return f;
  };
  c.estimate_flags = {
      flag("outlier", "S_PLANT", 2, "methamphetamine", 7.25, 4.0, "残差过大：可能是直接倾倒"),
      flag("ratio", "MH-07", 1, "ketamine", 0.5, kNaN, "parent/metabolite ratio unknown"),
      flag("outlier", "MH-07", 1, "ketamine", -5.5, 4.0, "rejected by the robust fit"),
      flag("ratio", "S_PLANT", 2, "methamphetamine", kNaN, 2.0, "ratio not computable"),
  };

  GroundTruth truth;
  truth.districts = {{"D02", d0 + 1, "methamphetamine", 5400.0},
                     {"D01", d0, "heroin", 1200.25},
                     {"D01", d0 + 1, "heroin", kNaN},
                     {"D02", d0, "methamphetamine", 5300.0}};
  truth.sites = {{"S_PLANT", d0 + 1, "6-monoacetylmorphine", 80.0, 0.08},
                 {"S_PLANT", d0, "6-monoacetylmorphine", 79.0, 0.079},
                 {"MH-07", d0, "norketamine", 3.0, 1.5}};
  truth.events = {{"surge", "D02", "", "methamphetamine", d0 + 1, d0 + 3, 2.5, "party weekend"},
                  {"dumping", "", "MH-07", "ketamine", d0 + 2, d0 + 2, 5.0e4, "直接倾倒"}};
  c.truth = truth;
  return c;
}

StoreContents Normalised(StoreContents contents) {
  NormaliseOrder(&contents);
  return contents;
}

// ---------------------------------------------------------------------------------------------
// Files and tools.

class Hdf5StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "wbe_store_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(dir_, ignored);
  }

  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }

  std::set<std::string> DirectoryListing() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
};

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool ToolExists(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command and returns its exit status and combined output.
int RunTool(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output->append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

template <typename Exception, typename F>
std::string MessageOf(F f) {
  try {
    f();
  } catch (const Exception& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "no exception";
}

// ---------------------------------------------------------------------------------------------
// Round trips.

TEST_F(Hdf5StoreTest, RoundTripsEveryField) {
  const StoreContents written = SampleContents();
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, written);
  const StoreContents read = Hdf5Store::Read(path);
  ExpectSameContents(Normalised(written), read);

  // Spot checks that the comparison saw what matters, and the documented order.
  ASSERT_EQ(read.measurements.size(), 6u);
  EXPECT_EQ(read.measurements.front().site_id, "MH-07");
  EXPECT_TRUE(std::isnan(read.measurements.front().concentration_ng_per_l));
  EXPECT_TRUE(read.measurements.front().censored);
  EXPECT_EQ(read.city.districts[0].name, "海淀区 中关村街道");
  EXPECT_FALSE(read.city.districts[1].registered_users.has_value());
  EXPECT_EQ(read.city.districts[2].registered_users, 0);
  EXPECT_EQ(read.site_estimates.front().seed, std::numeric_limits<unsigned long long>::max());
  EXPECT_EQ(DirectoryListing(), std::set<std::string>{"store.h5"});
}

TEST_F(Hdf5StoreTest, OutputDoesNotDependOnInputOrder) {
  StoreContents shuffled = SampleContents();
  std::reverse(shuffled.flows.begin(), shuffled.flows.end());
  std::reverse(shuffled.measurements.begin(), shuffled.measurements.end());
  std::rotate(shuffled.site_estimates.begin(), shuffled.site_estimates.begin() + 1,
              shuffled.site_estimates.end());
  std::reverse(shuffled.truth->districts.begin(), shuffled.truth->districts.end());
  std::reverse(shuffled.truth->sites.begin(), shuffled.truth->sites.end());

  Hdf5Store::Write(PathOf("a.h5"), SampleContents());
  Hdf5Store::Write(PathOf("b.h5"), shuffled);
  Hdf5Store::Write(PathOf("c.h5"), Normalised(SampleContents()));
  EXPECT_EQ(FileBytes(PathOf("a.h5")), FileBytes(PathOf("b.h5")));
  EXPECT_EQ(FileBytes(PathOf("a.h5")), FileBytes(PathOf("c.h5")));
}

std::string StringAttribute(const H5::H5Object& object, const std::string& name) {
  std::string text;
  object.openAttribute(name).read(H5::StrType(H5::PredType::C_S1, H5T_VARIABLE), text);
  return text;
}

TEST_F(Hdf5StoreTest, RoundTripsDistrictEstimatesGroupsAndFlags) {
  const StoreContents written = SampleContents();
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, written);
  const StoreContents read = Hdf5Store::Read(path);
  ExpectSameContents(Normalised(written), read);

  // The documented order: (group_id, drug, start_day) in byte order, so "D+E" < "D01" < "望京".
  ASSERT_EQ(read.district_estimates.size(), 6u);
  EXPECT_EQ(read.district_estimates[0].group_id, "D+E");
  EXPECT_EQ(read.district_estimates[0].drug, "heroin");
  EXPECT_EQ(read.district_estimates[2].start_day, DayFromCivil(2026, 3, 3));
  EXPECT_TRUE(std::isnan(read.district_estimates[2].consumption_mg_per_day.point));
  EXPECT_EQ(read.district_estimates[2].note, "excretion fraction unknown: 无法换算消费量");
  EXPECT_EQ(read.district_estimates[5].group_id, "望京");
  EXPECT_EQ(read.district_estimates[5].seed, std::numeric_limits<uint64_t>::max() - 1);
  for (const DistrictEstimate& e : read.district_estimates) EXPECT_EQ(e.days, 1);
  ASSERT_EQ(read.district_week_estimates.size(), 3u);
  for (const DistrictEstimate& e : read.district_week_estimates) EXPECT_EQ(e.days, 7);
  EXPECT_EQ(read.district_week_estimates[0].start_day, DayFromCivil(2026, 3, 2));
  EXPECT_EQ(read.district_week_estimates[0].group_id, "D+E");
  // Groups keep the order given, including an unobserved group without sites.
  ASSERT_EQ(read.district_groups.size(), 4u);
  EXPECT_EQ(read.district_groups[0].site_ids, (std::vector<std::string>{"S_PLANT", "MH-07"}));
  EXPECT_EQ(read.district_groups[1].district_ids, (std::vector<std::string>{"D", "E"}));
  EXPECT_TRUE(read.district_groups[3].site_ids.empty());
  EXPECT_TRUE(read.district_groups[3].unobserved);
  // Flags by (site_id, day, drug, biomarker, kind).
  ASSERT_EQ(read.estimate_flags.size(), 4u);
  EXPECT_EQ(read.estimate_flags[0].site_id, "MH-07");
  EXPECT_EQ(read.estimate_flags[0].kind, "outlier");
  EXPECT_EQ(read.estimate_flags[1].kind, "ratio");
  EXPECT_TRUE(std::isnan(read.estimate_flags[1].expected));
  EXPECT_EQ(read.estimate_flags[2].message, "残差过大：可能是直接倾倒");

  // On disk, as documented.
  const H5::H5File file(path, H5F_ACC_RDONLY);
  const std::string daily = "/estimates/district/D+E/methamphetamine/";
  for (const char* name :
       {"district_ids", "resolved", "biomarker", "day", "population", "observations",
        "censored_observations", "flagged_observations", "mass_mg_per_day_point",
        "consumption_mg_per_day_median", "consumption_mg_per_day_per_1000_p05", "users_p95",
        "consumption_p05_given_parameters", "consumption_p95_given_parameters", "batch_ids",
        "note"}) {
    EXPECT_TRUE(file.nameExists(daily + name)) << name;
  }
  EXPECT_EQ(StringAttribute(file.openDataSet(daily + "users_point"), "units"), "persons");
  EXPECT_EQ(StringAttribute(file.openDataSet(daily + "mass_mg_per_day_p05"), "units"), "mg/day");
  EXPECT_EQ(StringAttribute(file.openDataSet(daily + "consumption_mg_per_day_point"), "units"),
            "mg/day");
  EXPECT_EQ(
      StringAttribute(file.openDataSet(daily + "consumption_mg_per_day_per_1000_point"), "units"),
      "mg/day/1000 inhabitants");
  EXPECT_EQ(StringAttribute(file.openDataSet(daily + "population"), "units"), "inhabitants");
  EXPECT_EQ(StringAttribute(file.openDataSet(daily + "flagged_observations"), "units"), "1");
  // Constant provenance is a group attribute; varying provenance is a column.
  const H5::Group constant = file.openGroup("/estimates/district/D+E/methamphetamine");
  EXPECT_EQ(StringAttribute(constant, "catalogue_version"), "2026.1");
  EXPECT_TRUE(constant.attrExists("draws"));
  EXPECT_TRUE(constant.attrExists("seed"));
  EXPECT_FALSE(constant.nameExists("seed"));
  const H5::Group varying = file.openGroup("/estimates/district/D01/methamphetamine");
  EXPECT_TRUE(varying.nameExists("catalogue_version"));
  EXPECT_TRUE(varying.nameExists("seed"));
  EXPECT_FALSE(varying.attrExists("seed"));
  EXPECT_TRUE(file.nameExists("/estimates/district/望京/methamphetamine/users_median"));
  const H5::DataSet week_day = file.openDataSet("/estimates/district_week/D+E/methamphetamine/day");
  EXPECT_EQ(StringAttribute(week_day, "first_date"), "2026-03-02");
  EXPECT_EQ(StringAttribute(week_day, "last_date"), "2026-03-09");
  EXPECT_FALSE(file.nameExists("/estimates/district_week/D+E/methamphetamine/days"));
  for (const char* name : {"district_ids", "site_ids", "resolved", "unobserved"}) {
    EXPECT_TRUE(file.nameExists(std::string("/estimates/groups/") + name)) << name;
  }
  for (const char* name : {"kind", "site_id", "day", "drug", "biomarker", "value", "expected",
                           "batch_ids", "message"}) {
    EXPECT_TRUE(file.nameExists(std::string("/estimates/flags/") + name)) << name;
  }
  EXPECT_EQ(StringAttribute(file.openDataSet("/estimates/flags/day"), "first_date"), "2026-03-03");
}

TEST_F(Hdf5StoreTest, StoreWithoutDistrictGroupsReadsAsEmpty) {
  // A file as written before the network inversion: /estimates holds only /estimates/site.
  StoreContents old = SampleContents();
  old.district_estimates.clear();
  old.district_week_estimates.clear();
  old.district_groups.clear();
  old.estimate_flags.clear();
  const std::string path = PathOf("old.h5");
  Hdf5Store::Write(path, old);
  {
    const H5::H5File file(path, H5F_ACC_RDWR);
    for (const char* name : {"/estimates/district", "/estimates/district_week", "/estimates/groups",
                             "/estimates/flags"}) {
      ASSERT_TRUE(file.nameExists(name)) << name << " is written always, even empty";
      ASSERT_GE(H5Ldelete(file.getId(), name, H5P_DEFAULT), 0) << name;
    }
    EXPECT_EQ(file.openGroup("/estimates").getNumObjs(), 1u);
  }
  const StoreContents read = Hdf5Store::Read(path);
  ExpectSameContents(Normalised(old), read);
  EXPECT_TRUE(read.district_estimates.empty());
  EXPECT_TRUE(read.district_week_estimates.empty());
  EXPECT_TRUE(read.district_groups.empty());
  EXPECT_TRUE(read.estimate_flags.empty());
  EXPECT_EQ(read.site_estimates.size(), 4u);
}

TEST_F(Hdf5StoreTest, DistrictOutputDoesNotDependOnInputOrder) {
  StoreContents shuffled = SampleContents();
  std::reverse(shuffled.district_estimates.begin(), shuffled.district_estimates.end());
  std::rotate(shuffled.district_week_estimates.begin(),
              shuffled.district_week_estimates.begin() + 1, shuffled.district_week_estimates.end());
  std::reverse(shuffled.estimate_flags.begin(), shuffled.estimate_flags.end());

  Hdf5Store::Write(PathOf("a.h5"), SampleContents());
  Hdf5Store::Write(PathOf("b.h5"), shuffled);
  Hdf5Store::Write(PathOf("c.h5"), Normalised(SampleContents()));
  EXPECT_EQ(FileBytes(PathOf("a.h5")), FileBytes(PathOf("b.h5")));
  EXPECT_EQ(FileBytes(PathOf("a.h5")), FileBytes(PathOf("c.h5")));

  // Groups are not sorted: their order is part of the contents.
  StoreContents reordered = SampleContents();
  std::swap(reordered.district_groups[0], reordered.district_groups[1]);
  Hdf5Store::Write(PathOf("d.h5"), reordered);
  EXPECT_NE(FileBytes(PathOf("a.h5")), FileBytes(PathOf("d.h5")));
  EXPECT_EQ(Hdf5Store::Read(PathOf("d.h5")).district_groups[0].district_ids,
            (std::vector<std::string>{"D", "E"}));
}

TEST_F(Hdf5StoreTest, EmptyStoreWithoutTruthRoundTrips) {
  const StoreContents empty;
  Hdf5Store::Write(PathOf("empty.h5"), empty);
  const StoreContents read = Hdf5Store::Read(PathOf("empty.h5"));
  ExpectSameContents(empty, read);
  EXPECT_FALSE(read.truth.has_value());
}

TEST_F(Hdf5StoreTest, EmptyTruthStaysPresent) {
  StoreContents contents;
  contents.truth = GroundTruth{};
  Hdf5Store::Write(PathOf("empty-truth.h5"), contents);
  const StoreContents read = Hdf5Store::Read(PathOf("empty-truth.h5"));
  ASSERT_TRUE(read.truth.has_value());
  ExpectSameContents(contents, read);
}

TEST_F(Hdf5StoreTest, OverwritesAndKeepsPermissions) {
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  StoreContents smaller;
  smaller.attributes["generator"] = "second run";
  Hdf5Store::Write(path, smaller);
  ExpectSameContents(smaller, Hdf5Store::Read(path));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
  EXPECT_EQ(DirectoryListing(), std::set<std::string>{"store.h5"});
}

// ---------------------------------------------------------------------------------------------
// On-disk layout as documented in data-schemas/hdf5-store-layout.md.

TEST_F(Hdf5StoreTest, LongColumnsAreChunkedAndCompressed) {
  StoreContents contents;
  const DayIndex d0 = DayFromCivil(2025, 1, 1);
  for (int i = 0; i < 1000; ++i) {
    Measurement m;
    m.site_id = "S_PLANT";
    m.day = d0 + i;
    m.analyte = "methamphetamine";
    m.concentration_ng_per_l = i % 7 == 0 ? kNaN : 10.0 + i;
    m.censored = i % 7 == 0;
    m.loq_ng_per_l = 2.5;
    m.batch_id = "B" + std::to_string(i / 10);
    contents.measurements.push_back(m);
  }
  contents.flows.push_back({"S_PLANT", d0, 1.0e6, 0.0, 300.0, 30.0});
  const std::string path = PathOf("long.h5");
  Hdf5Store::Write(path, contents);
  ExpectSameContents(contents, Hdf5Store::Read(path));

  const H5::H5File file(path, H5F_ACC_RDONLY);
  for (const char* name : {"day", "concentration_ng_per_l", "censored", "batch_id"}) {
    SCOPED_TRACE(name);
    const H5::DataSet dataset =
        file.openDataSet(std::string("/measurements/S_PLANT/") + "methamphetamine/" + name);
    const H5::DSetCreatPropList layout = dataset.getCreatePlist();
    EXPECT_EQ(layout.getLayout(), H5D_CHUNKED);
    EXPECT_TRUE(layout.allFiltersAvail());
    std::set<H5Z_filter_t> filters;
    for (int i = 0; i < layout.getNfilters(); ++i) {
      unsigned flags = 0;
      size_t count = 0;
      unsigned config = 0;
      filters.insert(layout.getFilter(i, flags, count, nullptr, 0, nullptr, config));
    }
    EXPECT_EQ(filters, (std::set<H5Z_filter_t>{H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE}));
  }
  const H5::DataSet short_column = file.openDataSet("/flows/S_PLANT/flow_m3_per_day");
  EXPECT_EQ(short_column.getCreatePlist().getLayout(), H5D_CONTIGUOUS);
}

struct LayoutAudit {
  std::vector<std::string> datasets;
  std::vector<std::string> numeric_without_units;
  std::vector<std::string> strings_not_utf8_vlen;
};

herr_t AuditObject(hid_t root, const char* name, const H5L_info_t* /*info*/, void* data) {
  auto* audit = static_cast<LayoutAudit*>(data);
  const hid_t object = H5Oopen(root, name, H5P_DEFAULT);
  if (object < 0) return -1;
  if (H5Iget_type(object) == H5I_DATASET) {
    audit->datasets.push_back(std::string("/") + name);
    const hid_t type = H5Dget_type(object);
    const H5T_class_t type_class = H5Tget_class(type);
    if ((type_class == H5T_INTEGER || type_class == H5T_FLOAT) && H5Aexists(object, "units") <= 0) {
      audit->numeric_without_units.push_back(audit->datasets.back());
    }
    if (type_class == H5T_STRING &&
        (H5Tis_variable_str(type) <= 0 || H5Tget_cset(type) != H5T_CSET_UTF8)) {
      audit->strings_not_utf8_vlen.push_back(audit->datasets.back());
    }
    H5Tclose(type);
  }
  H5Oclose(object);
  return 0;
}

TEST_F(Hdf5StoreTest, NumericDatasetsCarryUnitsAndStringsAreUtf8) {
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  LayoutAudit audit;
  {
    const H5::H5File file(path, H5F_ACC_RDONLY);
    ASSERT_GE(H5Lvisit(file.getId(), H5_INDEX_NAME, H5_ITER_INC, AuditObject, &audit), 0);

    const H5::Attribute version = file.openAttribute("wbe_layout_version");
    int32_t value = 0;
    version.read(H5::PredType::NATIVE_INT32, &value);
    EXPECT_EQ(value, Hdf5Store::kLayoutVersion);
    const H5::DataSet day = file.openDataSet("/measurements/S_PLANT/methamphetamine/day");
    std::string text;
    day.openAttribute("units").read(H5::StrType(H5::PredType::C_S1, H5T_VARIABLE), text);
    EXPECT_EQ(text, "days since 1970-01-01");
    day.openAttribute("first_date").read(H5::StrType(H5::PredType::C_S1, H5T_VARIABLE), text);
    EXPECT_EQ(text, "2026-03-03");
    // Group names for hyphenated biomarkers and estimate groups exist as documented.
    EXPECT_TRUE(
        file.nameExists("/estimates/site/S_PLANT/heroin/6-monoacetylmorphine/"
                        "consumption_mg_per_day_per_1000_p95"));
    EXPECT_TRUE(file.nameExists("/truth/districts/D01/heroin/consumption_mg"));
    EXPECT_TRUE(file.nameExists("/city/network/nodes"));
  }
  EXPECT_GT(audit.datasets.size(), 50u);
  EXPECT_TRUE(audit.numeric_without_units.empty())
      << ::testing::PrintToString(audit.numeric_without_units);
  EXPECT_TRUE(audit.strings_not_utf8_vlen.empty())
      << ::testing::PrintToString(audit.strings_not_utf8_vlen);
}

TEST_F(Hdf5StoreTest, HdfToolsParseTheFile) {
  if (!ToolExists("h5dump") || !ToolExists("h5ls")) GTEST_SKIP() << "hdf5-tools not installed";
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());

  std::string header;
  EXPECT_EQ(RunTool("h5dump -H '" + path + "'", &header), 0) << header;
  EXPECT_NE(header.find("wbe_layout_version"), std::string::npos) << header;
  EXPECT_NE(header.find("H5T_CSET_UTF8"), std::string::npos) << header;

  std::string listing;
  EXPECT_EQ(RunTool("h5ls -r '" + path + "'", &listing), 0) << listing;
  for (const char* object :
       {"/city/districts/name", "/flows/MH-07/cod_mg_per_l",
        "/measurements/S_PLANT/6-monoacetylmorphine/censored",
        "/estimates/site/MH-07/ketamine/norketamine/users_per_1000_p05",
        "/truth/sites/S_PLANT/6-monoacetylmorphine/load_mg_per_day", "/truth/events/magnitude",
        "/estimates/district/D+E/methamphetamine/users_p05",
        "/estimates/district_week/D01/methamphetamine/mass_mg_per_day_point",
        "/estimates/groups/site_ids", "/estimates/flags/message"}) {
    EXPECT_NE(listing.find(object), std::string::npos) << object << "\n" << listing;
  }

  std::string data;
  EXPECT_EQ(RunTool("h5dump -d /measurements/MH-07/ketamine/concentration_ng_per_l '" + path + "'",
                    &data),
            0)
      << data;
  EXPECT_NE(data.find("nan"), std::string::npos) << data;
}

// ---------------------------------------------------------------------------------------------
// Failures leave the previous store alone.

// Each case spoils one field. Most are caught before any file is created; the NUL byte is only
// found while writing, so it exercises the removal of a half-written temp file.
struct BadContentsCase {
  const char* label;
  void (*spoil)(StoreContents*);
  const char* field;
};

class Hdf5StoreBadContentsTest : public Hdf5StoreTest,
                                 public ::testing::WithParamInterface<BadContentsCase> {};

TEST_P(Hdf5StoreBadContentsTest, ThrowsAndLeavesExistingStoreByteIdentical) {
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  const std::string before = FileBytes(path);

  StoreContents bad = SampleContents();
  GetParam().spoil(&bad);
  try {
    Hdf5Store::Write(path, bad);
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), GetParam().field);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_EQ(FileBytes(path), before);
  EXPECT_EQ(DirectoryListing(), std::set<std::string>{"store.h5"});
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Hdf5StoreBadContentsTest,
    ::testing::Values(
        BadContentsCase{"SlashInAnalyte",
                        [](StoreContents* c) { c->measurements[3].analyte = "a/b"; },
                        "measurements[3].analyte"},
        BadContentsCase{"EmptyFlowSite", [](StoreContents* c) { c->flows[0].site_id = ""; },
                        "flows[0].site_id"},
        BadContentsCase{"DotBiomarker",
                        [](StoreContents* c) { c->site_estimates[2].biomarker = "."; },
                        "site_estimates[2].biomarker"},
        BadContentsCase{"SlashInTruthDistrict",
                        [](StoreContents* c) { c->truth->districts[1].district_id = "/D01"; },
                        "truth.districts[1].district_id"},
        BadContentsCase{"EmptyTruthBiomarker",
                        [](StoreContents* c) { c->truth->sites[0].biomarker = ""; },
                        "truth.sites[0].biomarker"},
        BadContentsCase{"ReservedAttribute",
                        [](StoreContents* c) { c->attributes["wbe_layout_version"] = "2"; },
                        "attributes"},
        BadContentsCase{"NegativeUsers",
                        [](StoreContents* c) { c->city.districts[0].registered_users = -1; },
                        "city.districts[0].registered_users"},
        BadContentsCase{"SlashInDistrictGroupId",
                        [](StoreContents* c) { c->district_week_estimates[1].group_id = "D/E"; },
                        "district_week_estimates[1].group_id"},
        BadContentsCase{"EmptyDistrictDrug",
                        [](StoreContents* c) { c->district_estimates[2].drug = ""; },
                        "district_estimates[2].drug"},
        BadContentsCase{"WeeklyRowAmongDailyRows",
                        [](StoreContents* c) { c->district_estimates[3].days = 7; },
                        "district_estimates[3].days"},
        BadContentsCase{"DailyRowAmongWeeklyRows",
                        [](StoreContents* c) { c->district_week_estimates[0].days = 1; },
                        "district_week_estimates[0].days"},
        BadContentsCase{"CommaInGroupSite",
                        [](StoreContents* c) { c->district_groups[1].site_ids[0] = "S,PLANT"; },
                        "district_groups[1].site_ids"},
        BadContentsCase{"EmptyGroupMember",
                        [](StoreContents* c) { c->district_groups[0].district_ids.push_back(""); },
                        "district_groups[0].district_ids"},
        BadContentsCase{
            "NulInQcFlags",
            [](StoreContents* c) { c->measurements[3].qc_flags = std::string("a\0b", 3); },
            "/measurements/S_PLANT/methamphetamine/qc_flags"}),
    [](const ::testing::TestParamInfo<BadContentsCase>& info) { return info.param.label; });

TEST_F(Hdf5StoreTest, FailedRenameLeavesNoTempFile) {
  // A directory where the store should go: everything succeeds until rename().
  const std::string path = PathOf("store.h5");
  fs::create_directory(path);
  std::ofstream(PathOf("store.h5/keep.txt")) << "keep";

  const std::string message =
      MessageOf<std::runtime_error>([&] { Hdf5Store::Write(path, SampleContents()); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("rename"), std::string::npos) << message;
  EXPECT_EQ(DirectoryListing(), std::set<std::string>{"store.h5"});
  EXPECT_EQ(FileBytes(PathOf("store.h5/keep.txt")), "keep");
}

TEST_F(Hdf5StoreTest, WriteIntoMissingDirectoryNamesThePath) {
  const std::string path = PathOf("no-such-dir/store.h5");
  const std::string message =
      MessageOf<std::runtime_error>([&] { Hdf5Store::Write(path, SampleContents()); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  EXPECT_TRUE(DirectoryListing().empty());
}

TEST_F(Hdf5StoreTest, WriteIntoReadOnlyDirectoryLeavesStoreAlone) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  const std::string before = FileBytes(path);
  fs::permissions(dir_, fs::perms::owner_write, fs::perm_options::remove);
  const std::string message =
      MessageOf<std::runtime_error>([&] { Hdf5Store::Write(path, StoreContents{}); });
  fs::permissions(dir_, fs::perms::owner_write, fs::perm_options::add);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_EQ(FileBytes(path), before);
  EXPECT_EQ(DirectoryListing(), std::set<std::string>{"store.h5"});
}

// ---------------------------------------------------------------------------------------------
// Read errors name the file and the object.

TEST_F(Hdf5StoreTest, ReadOfMissingFileNamesThePath) {
  const std::string path = PathOf("missing.h5");
  const std::string message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
}

TEST_F(Hdf5StoreTest, ReadOfNonHdf5FileNamesThePath) {
  const std::string path = PathOf("measurements.csv");
  std::ofstream(path) << "site_id,day,analyte\nS_PLANT,2026-03-02,ketamine\n";
  const std::string message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not an HDF5 file"), std::string::npos) << message;
}

TEST_F(Hdf5StoreTest, ReadOfForeignHdf5FileSaysItIsNotAStore) {
  const std::string path = PathOf("foreign.h5");
  { H5::H5File file(path, H5F_ACC_TRUNC); }
  const std::string message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("wbe_layout_version"), std::string::npos) << message;
}

TEST_F(Hdf5StoreTest, ReadRejectsOtherLayoutVersions) {
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  {
    const H5::H5File file(path, H5F_ACC_RDWR);
    const int32_t future = Hdf5Store::kLayoutVersion + 1;
    file.openAttribute("wbe_layout_version").write(H5::PredType::NATIVE_INT32, &future);
  }
  const std::string message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("layout version 2"), std::string::npos) << message;
}

TEST_F(Hdf5StoreTest, ReadNamesTheMissingDatasetAndGroup) {
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  {
    const H5::H5File file(path, H5F_ACC_RDWR);
    file.unlink("/measurements/MH-07/ketamine/loq_ng_per_l");
  }
  std::string message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("/measurements/MH-07/ketamine/loq_ng_per_l: missing dataset"),
            std::string::npos)
      << message;

  Hdf5Store::Write(path, SampleContents());
  {
    const H5::H5File file(path, H5F_ACC_RDWR);
    file.unlink("/city/network");
  }
  message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find("/city/network: missing group"), std::string::npos) << message;
}

TEST_F(Hdf5StoreTest, ReadNamesAColumnOfTheWrongLength) {
  const std::string path = PathOf("store.h5");
  Hdf5Store::Write(path, SampleContents());
  {
    const H5::H5File file(path, H5F_ACC_RDWR);
    file.unlink("/flows/S_PLANT/rain_mm");
    const hsize_t rows = 1;
    const double rain_mm = 0.0;
    file.createDataSet("/flows/S_PLANT/rain_mm", H5::PredType::IEEE_F64LE, H5::DataSpace(1, &rows))
        .write(&rain_mm, H5::PredType::NATIVE_DOUBLE);
  }
  const std::string message = MessageOf<InputError>([&] { Hdf5Store::Read(path); });
  EXPECT_NE(message.find("/flows/S_PLANT/rain_mm: has 1 rows, expected 3"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace wbe
