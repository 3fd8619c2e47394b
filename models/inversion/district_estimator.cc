#include "models/inversion/district_estimator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include <Eigen/Cholesky>

#include "models/core/random.h"
#include "models/core/string_lists.h"

namespace wbe {
namespace {

double PointOr(const Quantity& quantity, double fallback) {
  return quantity.known() ? quantity.point() : fallback;
}

// The q-quantile by linear interpolation between order statistics, with nth_element (O(n));
// reorders `values`.
double Percentile(std::vector<double>& values, double q) {
  if (values.empty()) return std::nan("");
  const double position = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::ptrdiff_t>(std::floor(position));
  std::nth_element(values.begin(), values.begin() + below, values.end());
  const double low = values[static_cast<size_t>(below)];
  if (static_cast<size_t>(below) + 1 >= values.size()) return low;
  // The next order statistic is the smallest of the upper part.
  const double high = *std::min_element(values.begin() + below + 1, values.end());
  const double t = position - static_cast<double>(below);
  return low * (1.0 - t) + high * t;
}

void SummariseDraws(std::vector<double>& draws, UncertainValue* value) {
  if (draws.empty()) return;
  value->median = Percentile(draws, 0.5);
  value->p05 = Percentile(draws, 0.05);
  value->p95 = Percentile(draws, 0.95);
}

// One Monte Carlo draw of everything the catalogue is unsure of, shared by every group and
// day of a drug: these errors are systematic, not independent per district.
struct ParameterDraw {
  double excretion_fraction = std::nan("");
  double k_gravity_per_h = 0.0;
  double k_rising_main_per_h = 0.0;
  double k_in_sample_per_h = 0.0;
  double non_target_fraction = 0.0;  // share of the biomarker not from the drug
  double ratio_to_other = 0.0;       // other biomarker's mass x ratio is subtracted
  double dose_mg = std::nan("");
  double doses_per_user_per_day = std::nan("");
};

// How a drug's biomarker mass becomes consumption, at point values and per draw.
struct Conversion {
  double mw_ratio = 1.0;  // MW parent / MW biomarker
  bool consumption_available = false;
  bool users_available = false;
  bool has_non_target = false;
  bool has_ratio_correction = false;
  std::string other_biomarker;
  ParameterDraw point;
  std::vector<ParameterDraw> draws;

  // Biomarker mass (mg/day) from the drug, given the other biomarker's mass for the ratio
  // correction; never below zero.
  double DrugMass(double mass, double other_mass, const ParameterDraw& p) const {
    double corrected = mass * (1.0 - p.non_target_fraction);
    if (has_ratio_correction) corrected -= p.ratio_to_other * other_mass;
    return std::max(corrected, 0.0);
  }
  double Consumption(double mass, double other_mass, const ParameterDraw& p) const {
    return DrugMass(mass, other_mass, p) * mw_ratio / p.excretion_fraction;
  }
};

Conversion MakeConversion(const DrugCatalogue& catalogue, const Drug& drug,
                          const ExcretionRoute& route, const Biomarker& biomarker,
                          const DistrictEstimatorOptions& options,
                          std::vector<std::string>* notes) {
  Conversion conversion;
  conversion.mw_ratio =
      drug.molecular_weight_g_per_mol.point() / biomarker.molecular_weight_g_per_mol.point();
  conversion.consumption_available = route.excretion_fraction.known();
  if (!conversion.consumption_available) {
    notes->push_back("excretion fraction of " + biomarker.name +
                     " unknown: biomarker mass only, no consumption");
  }
  conversion.users_available = conversion.consumption_available && drug.typical_dose_mg.known() &&
                               drug.doses_per_user_per_day.known();
  const BiomarkerStability& stability = biomarker.stability;
  ParameterDraw& point = conversion.point;
  point.excretion_fraction = PointOr(route.excretion_fraction, std::nan(""));
  point.k_gravity_per_h = PointOr(stability.gravity_k_per_h, 0.0);
  point.k_rising_main_per_h = PointOr(stability.rising_main_k_per_h, 0.0);
  point.k_in_sample_per_h = PointOr(stability.in_sample_k_per_h, 0.0);
  point.dose_mg = PointOr(drug.typical_dose_mg, std::nan(""));
  point.doses_per_user_per_day = PointOr(drug.doses_per_user_per_day, std::nan(""));
  const LoadCorrection* non_target = nullptr;
  const LoadCorrection* ratio = nullptr;
  for (const LoadCorrection& correction : route.corrections) {
    if (correction.kind == CorrectionKind::kNonTargetFraction && correction.fraction.known()) {
      non_target = &correction;
      point.non_target_fraction = correction.fraction.point();
    } else if (correction.kind == CorrectionKind::kRatioToOtherBiomarker &&
               correction.ratio.known()) {
      ratio = &correction;
      point.ratio_to_other = correction.ratio.point();
      conversion.other_biomarker = catalogue.GetBiomarker(correction.other_biomarker).name;
    }
  }
  conversion.has_non_target = non_target != nullptr;
  conversion.has_ratio_correction = ratio != nullptr;
  if (ratio != nullptr) {
    notes->push_back("the " + conversion.other_biomarker + " share of " + biomarker.name +
                     " is subtracted at its posterior mode (its own uncertainty left out)");
  }

  std::mt19937_64 rng(Mix64(options.seed ^ HashText(drug.name)));
  auto sample = [&rng](const Quantity& q, bool vary, double fallback) {
    if (!q.known()) return fallback;
    return vary ? q.Sample(rng) : q.point();
  };
  conversion.draws.resize(static_cast<size_t>(options.draws));
  for (ParameterDraw& draw : conversion.draws) {
    draw.excretion_fraction =
        sample(route.excretion_fraction, options.vary_excretion, std::nan(""));
    draw.k_gravity_per_h =
        std::max(0.0, sample(stability.gravity_k_per_h, options.vary_stability, 0.0));
    draw.k_rising_main_per_h =
        std::max(0.0, sample(stability.rising_main_k_per_h, options.vary_stability, 0.0));
    draw.k_in_sample_per_h =
        std::max(0.0, sample(stability.in_sample_k_per_h, options.vary_stability, 0.0));
    draw.non_target_fraction =
        non_target == nullptr
            ? 0.0
            : std::clamp(sample(non_target->fraction, options.vary_corrections, 0.0), 0.0, 1.0);
    draw.ratio_to_other =
        ratio == nullptr ? 0.0 : std::max(0.0, sample(ratio->ratio, options.vary_corrections, 0.0));
    draw.dose_mg = sample(drug.typical_dose_mg, options.vary_dose, std::nan(""));
    draw.doses_per_user_per_day =
        sample(drug.doses_per_user_per_day, options.vary_dose, std::nan(""));
  }
  return conversion;
}

// Where a group's mass was seen from, for the decay part of the Monte Carlo: the hours of its
// members' shortest routes (population-weighted), i.e. to the site that resolves it.
struct UnitRouteHours {
  double gravity_h = 0.0;
  double rising_main_h = 0.0;
};

UnitRouteHours RouteHoursOf(const SewerNetwork& network, const std::vector<size_t>& members,
                            const std::vector<double>& populations) {
  UnitRouteHours hours;
  double population = 0.0;
  for (size_t d : members) {
    const std::vector<Route>& routes = network.RoutesOfDistrict(d);
    if (routes.empty()) continue;
    const Route* shortest = &routes.front();
    for (const Route& route : routes) {
      if (route.travel_time_h() < shortest->travel_time_h()) shortest = &route;
    }
    hours.gravity_h += populations[d] * shortest->gravity_h;
    hours.rising_main_h += populations[d] * shortest->rising_main_h;
    population += populations[d];
  }
  if (population > 0.0) {
    hours.gravity_h /= population;
    hours.rising_main_h /= population;
  }
  return hours;
}

// What informed one unit-day: the observations whose composite holds its mass.
struct UnitDayEvidence {
  int observations = 0;
  int censored = 0;
  int flagged = 0;
  std::set<std::string> batches;
};

double MedianOf(std::vector<double> values) { return Percentile(values, 0.5); }

}  // namespace

bool DistrictEstimatorOptions::Check(std::string* why) const {
  auto fail = [why](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  std::string inner;
  if (!inversion.Check(&inner)) return fail("inversion: " + inner);
  if (!measurement.Check(&inner)) return fail("measurement: " + inner);
  if (draws < 0) return fail("draws must be >= 0");
  if (!(outlier_sigmas > 0.0)) return fail("outlier_sigmas must be > 0");
  if (!(ratio_flag_factor > 1.0)) return fail("ratio_flag_factor must be > 1");
  return true;
}

DistrictEstimator::DistrictEstimator(const DrugCatalogue& catalogue, const City& city,
                                     DistrictEstimatorOptions options)
    : catalogue_(catalogue), city_(city), options_(std::move(options)) {
  std::string why;
  if (!options_.Check(&why)) throw std::invalid_argument("DistrictEstimatorOptions: " + why);
  network_ = SewerNetwork::Build(city_);
  groups_ = IdentifiabilityGroups(network_);
  for (size_t g = 0; g < groups_.size(); ++g) {
    std::vector<size_t> members;
    for (const std::string& id : groups_[g].district_ids) {
      members.push_back(network_.DistrictIndex(id));
    }
    units_.push_back(members);
    group_of_unit_.push_back(g);
  }
}

DrugDistrictEstimates DistrictEstimator::Estimate(const std::string& drug_name,
                                                  const std::vector<FlowRecord>& flows,
                                                  const std::vector<Measurement>& measurements,
                                                  DayIndex first_day, int day_count) const {
  if (day_count <= 0) throw std::invalid_argument("DistrictEstimator: no days to estimate");
  const Drug& drug = catalogue_.GetDrug(drug_name);
  const ExcretionRoute& route = drug.PreferredRoute();
  const Biomarker& biomarker = catalogue_.GetBiomarker(route.biomarker);

  DrugDistrictEstimates out;
  out.drug = drug.name;
  out.biomarker = biomarker.name;
  const SiteLoadSeries series = BuildSiteLoadObservations(
      network_, city_, flows, measurements, biomarker, first_day, day_count, options_.measurement);
  out.observations = series.observations.size();
  out.censored = series.censored_count();
  out.skipped = series.skipped;

  std::vector<double> populations;
  for (const District& district : city_.districts) populations.push_back(district.population);
  std::vector<double> site_population(network_.site_count(), 0.0);
  for (size_t s = 0; s < network_.site_count(); ++s) {
    for (const Route& r : network_.Routes(s)) site_population[s] += populations[r.district_index];
  }

  InversionOptions inversion_options = options_.inversion;
  if (options_.prior_from_data) {
    std::vector<double> per_capita;
    for (const SiteLoadObservation& o : series.observations) {
      if (!o.censored && site_population[o.site_index] > 0.0) {
        per_capita.push_back(std::log(o.load_mg_per_day / site_population[o.site_index]));
      }
    }
    if (!per_capita.empty()) {
      inversion_options.per_capita_log_mg_per_person_per_day = MedianOf(per_capita);
    }
  }

  // The complete ISO weeks of the period, and the days outside them.
  const int first_monday = (7 - IsoWeekday(first_day)) % 7;
  std::vector<int> week_starts;
  for (int start = first_monday; start + 7 <= day_count; start += 7) week_starts.push_back(start);
  std::vector<bool> in_week(static_cast<size_t>(day_count), false);
  for (int start : week_starts) {
    for (int t = start; t < start + 7; ++t) in_week[static_cast<size_t>(t)] = true;
  }

  InversionProblem problem;
  problem.populations_per_district = populations;
  problem.units = units_;
  problem.observations = series.observations;
  problem.day_count = day_count;
  // covariance set index of (unit, week) and of (unit, lone day).
  std::map<std::pair<size_t, int>, size_t> week_set;
  std::map<std::pair<size_t, int>, size_t> day_set;
  if (options_.draws > 0) {
    for (size_t u = 0; u < units_.size(); ++u) {
      if (groups_[group_of_unit_[u]].unobserved) continue;
      for (int start : week_starts) {
        std::vector<UnitDay> set;
        for (int t = start; t < start + 7; ++t) set.push_back({u, t});
        week_set[{u, start}] = problem.covariance_sets.size();
        problem.covariance_sets.push_back(set);
      }
      for (int t = 0; t < day_count; ++t) {
        if (in_week[static_cast<size_t>(t)]) continue;
        day_set[{u, t}] = problem.covariance_sets.size();
        problem.covariance_sets.push_back({{u, t}});
      }
    }
  }
  // The robust fit finds the outliers; they are then left out and the fit redone, because
  // even a robust loss lets a 20x dumping spike pull its day up.
  std::vector<std::vector<UnitDay>> covariance_sets = std::move(problem.covariance_sets);
  problem.covariance_sets.clear();
  const InversionResult robust_fit =
      NetworkInversion::Solve(network_, biomarker.stability, problem, inversion_options);
  std::vector<bool> flagged(series.observations.size(), false);
  problem.observations.clear();
  for (size_t i = 0; i < series.observations.size(); ++i) {
    flagged[i] = std::fabs(robust_fit.whitened_residuals[i]) > options_.outlier_sigmas;
    if (!flagged[i]) problem.observations.push_back(series.observations[i]);
  }
  problem.covariance_sets = std::move(covariance_sets);
  out.inversion = NetworkInversion::Solve(network_, biomarker.stability, problem, inversion_options,
                                          &robust_fit.log_mass_mg_per_day);
  const InversionResult& inversion = out.inversion;
  if (!inversion.covariance_ok) {
    out.notes.push_back(
        "posterior covariance unavailable (rank-deficient information): no "
        "intervals");
  }

  for (size_t i = 0; i < series.observations.size(); ++i) {
    if (!flagged[i]) continue;
    const double r = robust_fit.whitened_residuals[i];
    const SiteLoadObservation& o = series.observations[i];
    EstimateFlag flag;
    flag.kind = "outlier";
    flag.site_id = network_.SiteId(o.site_index);
    flag.day = first_day + o.day_index;
    flag.drug = drug.name;
    flag.biomarker = biomarker.name;
    flag.value = r;
    flag.expected = options_.outlier_sigmas;
    flag.batch_ids = series.batch_ids[i];
    std::ostringstream message;
    message << biomarker.name << " load at " << flag.site_id << " on " << FormatIsoDate(flag.day)
            << " is " << std::exp(r * o.log_sigma) << "x what the other sites and days imply (" << r
            << " sigma); left out of the estimate"
            << (r > 0 ? " (dumping of unconsumed drug?)" : "");
    flag.message = message.str();
    out.flags.push_back(flag);
  }
  // Flags: parent/metabolite ratios far above their usual value at a site.
  for (const ParentMetaboliteCheck& check : drug.parent_metabolite_checks) {
    const Biomarker& parent = catalogue_.GetBiomarker(check.parent);
    const Biomarker& metabolite = catalogue_.GetBiomarker(check.metabolite);
    // The parent is usually the drug's own biomarker, whose loads are already built.
    const SiteLoadSeries parent_series =
        parent.name == biomarker.name
            ? series
            : BuildSiteLoadObservations(network_, city_, flows, measurements, parent, first_day,
                                        day_count, options_.measurement);
    const SiteLoadSeries metabolite_series =
        BuildSiteLoadObservations(network_, city_, flows, measurements, metabolite, first_day,
                                  day_count, options_.measurement);
    std::map<std::pair<size_t, int>, size_t> metabolite_at;
    for (size_t i = 0; i < metabolite_series.observations.size(); ++i) {
      const SiteLoadObservation& o = metabolite_series.observations[i];
      if (!o.censored) metabolite_at[{o.site_index, o.day_index}] = i;
    }
    std::map<size_t, std::vector<std::pair<size_t, double>>> ratios_by_site;  // (parent obs)
    for (size_t i = 0; i < parent_series.observations.size(); ++i) {
      const SiteLoadObservation& o = parent_series.observations[i];
      const auto m = metabolite_at.find({o.site_index, o.day_index});
      if (o.censored || m == metabolite_at.end()) continue;
      ratios_by_site[o.site_index].push_back(
          {i, o.load_mg_per_day / metabolite_series.observations[m->second].load_mg_per_day});
    }
    const double expected = PointOr(check.expected_ratio, std::nan(""));
    for (const auto& [site, ratios] : ratios_by_site) {
      std::vector<double> values;
      for (const auto& entry : ratios) values.push_back(entry.second);
      // The site's own usual ratio guards against a catalogue ratio that does not fit the
      // local population; the catalogue's guards against a site that is dumped on often.
      const double usual =
          std::isnan(expected) ? MedianOf(values) : std::max(expected, MedianOf(values));
      for (const auto& [i, ratio] : ratios) {
        if (!(ratio > options_.ratio_flag_factor * usual)) continue;
        const SiteLoadObservation& o = parent_series.observations[i];
        EstimateFlag flag;
        flag.kind = "ratio";
        flag.site_id = network_.SiteId(site);
        flag.day = first_day + o.day_index;
        flag.drug = drug.name;
        flag.biomarker = parent.name + "/" + metabolite.name;
        flag.value = ratio;
        flag.expected = usual;
        flag.batch_ids = parent_series.batch_ids[i];
        std::ostringstream message;
        message << parent.name << "/" << metabolite.name << " load ratio " << ratio << " at "
                << flag.site_id << " on " << FormatIsoDate(flag.day) << " is more than "
                << options_.ratio_flag_factor << "x its usual " << usual
                << ": parent drug that was not consumed (dumping?)";
        flag.message = message.str();
        out.flags.push_back(flag);
      }
    }
  }

  // Evidence per unit-day: which observations hold its mass.
  std::vector<size_t> unit_of(network_.district_count(), 0);
  for (size_t u = 0; u < units_.size(); ++u) {
    for (size_t d : units_[u]) unit_of[d] = u;
  }
  std::vector<std::vector<UnitDayEvidence>> evidence(
      units_.size(), std::vector<UnitDayEvidence>(static_cast<size_t>(day_count)));
  for (size_t i = 0; i < series.observations.size(); ++i) {
    const SiteLoadObservation& o = series.observations[i];
    std::set<std::pair<size_t, int>> touched;
    for (const Route& r : network_.Routes(o.site_index)) {
      const int day = o.day_index - r.whole_days_lag;
      touched.insert({unit_of[r.district_index], day});
      if (r.spill_fraction > 0.0) touched.insert({unit_of[r.district_index], day - 1});
    }
    for (const auto& [u, day] : touched) {
      if (day < 0 || day >= day_count) continue;
      UnitDayEvidence& e = evidence[u][static_cast<size_t>(day)];
      ++e.observations;
      e.censored += o.censored;
      e.flagged += flagged[i];
      std::stringstream batches(series.batch_ids[i]);
      for (std::string batch; std::getline(batches, batch, ',');) e.batches.insert(batch);
    }
  }

  const Conversion conversion =
      MakeConversion(catalogue_, drug, route, biomarker, options_, &out.notes);
  // The other biomarker of a ratio correction, solved on the same units (posterior mode).
  Eigen::MatrixXd other_mass =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(units_.size()), day_count);
  if (conversion.has_ratio_correction) {
    const Biomarker& other = catalogue_.GetBiomarker(conversion.other_biomarker);
    InversionProblem other_problem;
    other_problem.populations_per_district = populations;
    other_problem.units = units_;
    other_problem.observations =
        BuildSiteLoadObservations(network_, city_, flows, measurements, other, first_day, day_count,
                                  options_.measurement)
            .observations;
    other_problem.day_count = day_count;
    InversionOptions other_options = options_.inversion;
    other_mass = NetworkInversion::Solve(network_, other.stability, other_problem, other_options)
                     .MassMgPerDay();
  }

  // One row per observed group and period (a day, or a week of 7 days starting at `start`).
  auto make_row = [&](size_t u, int start, int days, const Eigen::MatrixXd* covariance) {
    const DistrictGroup& group = groups_[group_of_unit_[u]];
    DistrictEstimate row;
    row.group_id = JoinStrings(group.district_ids, "+");
    row.district_ids = JoinStrings(group.district_ids, ",");
    row.resolved = group.resolved;
    row.drug = drug.name;
    row.biomarker = biomarker.name;
    row.start_day = first_day + start;
    row.days = days;
    for (size_t d : units_[u]) row.population += populations[d];
    std::set<std::string> batches;
    double mode_mass = 0.0;
    double other = 0.0;
    for (int t = start; t < start + days; ++t) {
      const UnitDayEvidence& e = evidence[u][static_cast<size_t>(t)];
      row.observations += e.observations;
      row.censored_observations += e.censored;
      row.flagged_observations += e.flagged;
      batches.insert(e.batches.begin(), e.batches.end());
      mode_mass += std::exp(inversion.log_mass_mg_per_day(static_cast<Eigen::Index>(u), t));
      other += other_mass(static_cast<Eigen::Index>(u), t);
    }
    mode_mass /= days;
    other /= days;
    std::vector<std::string> batch_list(batches.begin(), batches.end());
    row.batch_ids = JoinStrings(batch_list, ",");
    row.catalogue_version = catalogue_.version();
    row.mass_mg_per_day.point = mode_mass;
    if (conversion.consumption_available) {
      row.consumption_mg_per_day.point = conversion.Consumption(mode_mass, other, conversion.point);
      row.consumption_mg_per_day_per_1000.point =
          row.consumption_mg_per_day.point / row.population * 1000.0;
      if (conversion.users_available) {
        row.users.point = row.consumption_mg_per_day.point / conversion.point.dose_mg /
                          conversion.point.doses_per_user_per_day;
      }
    } else {
      row.note = "excretion fraction unknown: biomarker mass only";
    }
    if (row.observations == 0) {
      row.note += std::string(row.note.empty() ? "" : "; ") +
                  "no observation holds this period's mass: prior and neighbouring days only";
    }
    if (covariance == nullptr || !covariance->allFinite()) return row;

    // Laplace draws of the period's log masses, jointly, with the shared parameter draws.
    Eigen::LLT<Eigen::MatrixXd> llt(*covariance);
    Eigen::MatrixXd factor;
    if (llt.info() == Eigen::Success) {
      factor = llt.matrixL();
    } else {  // numerically semi-definite: use the diagonal
      factor = covariance->diagonal().cwiseMax(0.0).cwiseSqrt().asDiagonal();
    }
    Eigen::VectorXd mean(days);
    for (int t = 0; t < days; ++t) {
      mean(t) = inversion.log_mass_mg_per_day(static_cast<Eigen::Index>(u), start + t);
    }
    const UnitRouteHours hours = RouteHoursOf(network_, units_[u], populations);
    std::mt19937_64 rng(Mix64(options_.seed ^ Mix64(HashText(drug.name) + u * 1000003ULL +
                                                    static_cast<uint64_t>(row.start_day) * 31ULL +
                                                    static_cast<uint64_t>(days))));
    const size_t n = static_cast<size_t>(options_.draws);
    std::vector<double> mass(n), consumption(n), given(n), per_1000(n), users(n);
    Eigen::VectorXd z(days);
    for (size_t k = 0; k < n; ++k) {
      for (int t = 0; t < days; ++t) z(t) = StandardNormal(rng);
      const Eigen::VectorXd theta = mean + factor * z;
      mass[k] = theta.array().exp().mean();
      if (!conversion.consumption_available) continue;
      const ParameterDraw& p = conversion.draws[k];
      const ParameterDraw& q = conversion.point;
      const double decay = std::exp(
          (p.k_gravity_per_h - q.k_gravity_per_h) * hours.gravity_h +
          (p.k_rising_main_per_h - q.k_rising_main_per_h) * hours.rising_main_h +
          (p.k_in_sample_per_h - q.k_in_sample_per_h) * options_.measurement.storage_time_h);
      given[k] = conversion.Consumption(mass[k], other, q);
      consumption[k] = conversion.Consumption(mass[k] * decay, other, p);
      per_1000[k] = consumption[k] / row.population * 1000.0;
      users[k] = consumption[k] / p.dose_mg / p.doses_per_user_per_day;
    }
    SummariseDraws(mass, &row.mass_mg_per_day);
    if (conversion.consumption_available) {
      SummariseDraws(consumption, &row.consumption_mg_per_day);
      SummariseDraws(per_1000, &row.consumption_mg_per_day_per_1000);
      if (conversion.users_available) SummariseDraws(users, &row.users);
      row.consumption_p05_given_parameters = Percentile(given, 0.05);
      row.consumption_p95_given_parameters = Percentile(given, 0.95);
    }
    row.draws = options_.draws;
    row.seed = options_.seed;
    return row;
  };

  for (size_t u = 0; u < units_.size(); ++u) {
    if (groups_[group_of_unit_[u]].unobserved) continue;
    for (int t = 0; t < day_count; ++t) {
      Eigen::MatrixXd day_covariance;
      const Eigen::MatrixXd* covariance = nullptr;
      if (options_.draws > 0 && inversion.covariance_ok) {
        if (in_week[static_cast<size_t>(t)]) {
          const int start = first_monday + (t - first_monday) / 7 * 7;
          const Eigen::MatrixXd& week = inversion.covariances[week_set.at({u, start})];
          day_covariance = week.block(t - start, t - start, 1, 1);
        } else {
          day_covariance = inversion.covariances[day_set.at({u, t})];
        }
        covariance = &day_covariance;
      }
      out.daily.push_back(make_row(u, t, 1, covariance));
    }
    for (int start : week_starts) {
      const Eigen::MatrixXd* covariance = nullptr;
      if (options_.draws > 0 && inversion.covariance_ok) {
        covariance = &inversion.covariances[week_set.at({u, start})];
      }
      out.weekly.push_back(make_row(u, start, 7, covariance));
    }
  }
  return out;
}

std::string DrugDistrictEstimates::BriefReport() const {
  std::ostringstream out;
  out << drug << " (" << biomarker << "): " << observations << " site-day loads (" << censored
      << " < LOQ), " << daily.size() << " group-days, " << weekly.size() << " group-weeks, "
      << flags.size() << " flags; " << inversion.BriefReport();
  for (const std::string& note : notes) out << "\n  note: " << note;
  return out.str();
}

}  // namespace wbe
