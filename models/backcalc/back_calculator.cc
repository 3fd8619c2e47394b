#include "models/backcalc/back_calculator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/core/input_error.h"
#include "models/core/random.h"

namespace wbe {
namespace {

constexpr double kMgPerNgTimesLPerM3 = 1e-3;  // ng/L x m3/day -> mg/day

// A multiplicative input error with median (lognormal) or mean (normal) 1. The lognormal's
// log-scale sigma is worked out once, not per draw: the Monte Carlo's inner loop is hot.
class RelativeError {
 public:
  RelativeError(InputDistribution distribution, double rsd)
      : normal_(distribution == InputDistribution::kNormal),
        scale_(normal_ ? rsd : std::sqrt(std::log1p(rsd * rsd))) {}

  double Draw(std::mt19937_64& rng) const {
    if (scale_ <= 0.0) return 1.0;
    const double z = StandardNormal(rng);
    return normal_ ? 1.0 + scale_ * z : std::exp(scale_ * z);
  }

 private:
  bool normal_;
  double scale_;
};

// Median and 90 % interval; sorts in place by partial selection.
void Summarise(std::vector<double>* draws, UncertainValue* value) {
  if (draws->empty()) return;
  const auto quantile = [&](double q) {
    const size_t index = static_cast<size_t>(std::lround(q * (draws->size() - 1)));
    std::nth_element(draws->begin(), draws->begin() + index, draws->end());
    return (*draws)[index];
  };
  value->median = quantile(0.5);
  value->p05 = quantile(0.05);
  value->p95 = quantile(0.95);
}

void RequirePositive(double value, const char* field) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw InputError("", 0, field, "must be a positive number, got " + std::to_string(value));
  }
}

void RequireNonNegative(double value, const char* field) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw InputError("", 0, field, "must be zero or positive, got " + std::to_string(value));
  }
}

}  // namespace

const char* InputDistributionName(InputDistribution distribution) {
  return distribution == InputDistribution::kNormal ? "normal" : "lognormal";
}

InputDistribution ParseInputDistribution(const std::string& name) {
  if (name == "normal") return InputDistribution::kNormal;
  if (name == "lognormal") return InputDistribution::kLognormal;
  throw std::invalid_argument("unknown input distribution '" + name + "' (normal or lognormal)");
}

bool UncertaintyOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (draws < 0) return fail("draws must be zero or positive");
  if (sampling_count < 1) return fail("sampling_count must be at least 1");
  for (const auto& [name, rsd] :
       {std::pair<const char*, double>{"concentration_rsd", concentration_rsd},
        {"sampling_rsd", sampling_rsd},
        {"flow_rsd", flow_rsd},
        {"population_rsd", population_rsd},
        {"residence_time_rsd", residence_time_rsd}}) {
    if (!(rsd >= 0.0) || rsd > 5.0) return fail(std::string(name) + " must be in [0, 5]");
  }
  return true;
}

BackCalculator::BackCalculator(const DrugCatalogue& catalogue, UncertaintyOptions options)
    : catalogue_(catalogue), options_(std::move(options)) {
  std::string why;
  if (!options_.Check(&why)) throw std::invalid_argument("uncertainty options: " + why);
}

BackCalculationResult BackCalculator::Estimate(const BackCalculationInput& input) const {
  const Drug& drug = catalogue_.GetDrug(input.drug);
  // Aliases ("6-MAM", "BE") resolve to catalogue names before the route lookup.
  const Biomarker* named =
      input.biomarker.empty() ? nullptr : catalogue_.FindBiomarker(input.biomarker);
  const ExcretionRoute* route =
      input.biomarker.empty() ? &drug.PreferredRoute()
                              : drug.FindRoute(named != nullptr ? named->name : input.biomarker);
  if (route == nullptr) {
    std::string known;
    for (const ExcretionRoute& r : drug.routes) known += (known.empty() ? "" : ", ") + r.biomarker;
    throw InputError("", 0, "biomarker",
                     "drug '" + drug.name + "' has no biomarker '" + input.biomarker +
                         "'; it is measured by " + known);
  }
  const Biomarker& biomarker = catalogue_.GetBiomarker(route->biomarker);

  RequireNonNegative(input.concentration_ng_per_l, "concentration_ng_per_l");
  RequirePositive(input.flow_m3_per_day, "flow_m3_per_day");
  RequirePositive(input.population, "population");
  RequireNonNegative(input.residence_gravity_h, "residence_gravity_h");
  RequireNonNegative(input.residence_rising_main_h, "residence_rising_main_h");
  RequireNonNegative(input.storage_time_h, "storage_time_h");
  if (input.excretion_fraction &&
      !(*input.excretion_fraction > 0.0 && *input.excretion_fraction <= 1.0)) {
    throw InputError("", 0, "excretion_fraction", "must be in (0, 1]");
  }
  if (input.non_target_fraction &&
      !(*input.non_target_fraction >= 0.0 && *input.non_target_fraction < 1.0)) {
    throw InputError("", 0, "non_target_fraction", "must be in [0, 1)");
  }

  BackCalculationResult result;
  BackCalculationParameters& params = result.parameters;
  params.drug = drug.name;
  params.biomarker = biomarker.name;
  params.catalogue_version = catalogue_.version();
  params.molecular_weight_parent_g_per_mol = drug.molecular_weight_g_per_mol.point();
  params.molecular_weight_biomarker_g_per_mol = biomarker.molecular_weight_g_per_mol.point();
  params.molecular_weight_ratio =
      params.molecular_weight_parent_g_per_mol / params.molecular_weight_biomarker_g_per_mol;
  params.uncertainty = options_;

  // Excretion: an override is taken as exact; a catalogue value brings its distribution.
  Quantity excretion = route->excretion_fraction;
  if (input.excretion_fraction) {
    excretion = Quantity::Fixed(*input.excretion_fraction, ValueStatus::kAssumed);
    excretion.sources = {"command line"};
  }
  params.excretion_fraction = excretion.value;
  params.excretion_fraction_status =
      input.excretion_fraction ? "user-supplied" : ValueStatusName(excretion.status);
  const bool consumption_known = excretion.known();
  if (consumption_known)
    params.correction_factor = params.molecular_weight_ratio / *excretion.value;

  const Quantity& k_gravity = biomarker.stability.gravity_k_per_h;
  const Quantity& k_rising = biomarker.stability.rising_main_k_per_h;
  const Quantity& k_sample = biomarker.stability.in_sample_k_per_h;
  params.k_gravity_per_h = k_gravity.value.value_or(0.0);
  params.k_rising_main_per_h = k_rising.value.value_or(0.0);
  params.k_in_sample_per_h = k_sample.value.value_or(0.0);
  params.stability_factor = std::exp(-params.k_gravity_per_h * input.residence_gravity_h -
                                     params.k_rising_main_per_h * input.residence_rising_main_h -
                                     params.k_in_sample_per_h * input.storage_time_h);

  // Corrections that remove biomarker mass not caused by the drug's use.
  struct RatioCorrection {
    const LoadCorrection* correction;
    const Biomarker* other;
    double other_concentration_ng_per_l;
  };
  std::optional<Quantity> non_target;
  std::vector<RatioCorrection> ratio_corrections;
  std::string note;
  for (const LoadCorrection& correction : route->corrections) {
    if (correction.kind == CorrectionKind::kNonTargetFraction) {
      non_target = correction.fraction;
      if (input.non_target_fraction) {
        non_target = Quantity::Fixed(*input.non_target_fraction, ValueStatus::kAssumed);
      }
      params.corrections_applied.push_back("non-target share " +
                                           std::to_string(non_target->point()) + " removed (" +
                                           correction.description + ")");
    } else {
      const auto it = input.other_concentrations_ng_per_l.find(correction.other_biomarker);
      if (it == input.other_concentrations_ng_per_l.end()) {
        note += "correction skipped, no " + correction.other_biomarker + " measurement; ";
        continue;
      }
      RequireNonNegative(it->second, "other_concentrations_ng_per_l");
      ratio_corrections.push_back(
          {&correction, &catalogue_.GetBiomarker(correction.other_biomarker), it->second});
      params.corrections_applied.push_back(std::to_string(correction.ratio.point()) + " x " +
                                           correction.other_biomarker + " load subtracted (" +
                                           correction.description + ")");
    }
  }
  if (drug.typical_dose_mg.known()) params.typical_dose_mg = drug.typical_dose_mg.point();
  if (drug.doses_per_user_per_day.known()) {
    params.doses_per_user_per_day = drug.doses_per_user_per_day.point();
  }

  const InputDistribution spread = options_.input_distribution;
  const RelativeError sampling_error(
      spread, options_.sampling_rsd / std::sqrt(static_cast<double>(options_.sampling_count)));
  const RelativeError flow_error(spread, options_.flow_rsd);
  const RelativeError population_error(spread, options_.population_rsd);
  const RelativeError concentration_error(spread, options_.concentration_rsd);
  const RelativeError residence_error(spread, options_.residence_time_rsd);

  // One evaluation of the chain; `draw` chooses point values or random draws.
  struct Outputs {
    double load, normalised, consumption, doses, users;
    bool clipped;
  };
  const auto evaluate = [&](std::mt19937_64* rng) {
    const bool draw = rng != nullptr;
    const auto relative = [&](const RelativeError& error) { return draw ? error.Draw(*rng) : 1.0; };
    const auto sample = [&](const Quantity& q, bool vary) {
      return draw && vary ? q.Sample(*rng) : q.point();
    };
    const double sampling = relative(sampling_error);
    const double flow = input.flow_m3_per_day * relative(flow_error);
    const double population = input.population * relative(population_error);
    const double concentration = input.concentration_ng_per_l * relative(concentration_error);
    const double load = concentration * flow * kMgPerNgTimesLPerM3 * sampling;

    const double residence = relative(residence_error);
    const double exponent =
        (k_gravity.known() ? sample(k_gravity, options_.vary_stability) : 0.0) *
            input.residence_gravity_h * residence +
        (k_rising.known() ? sample(k_rising, options_.vary_stability) : 0.0) *
            input.residence_rising_main_h * residence +
        (k_sample.known() ? sample(k_sample, options_.vary_stability) : 0.0) * input.storage_time_h;
    // Corrections compare excreted masses: the other biomarker is corrected for its own
    // in-sewer loss too (AMP formed in the body from METH decays like any AMP on the way).
    double excreted = load / std::exp(-exponent);
    if (non_target) excreted *= 1.0 - sample(*non_target, options_.vary_corrections);
    for (const RatioCorrection& rc : ratio_corrections) {
      const BiomarkerStability& other = rc.other->stability;
      const double other_exponent =
          (other.gravity_k_per_h.known() ? sample(other.gravity_k_per_h, options_.vary_stability)
                                         : 0.0) *
              input.residence_gravity_h * residence +
          (other.rising_main_k_per_h.known()
               ? sample(other.rising_main_k_per_h, options_.vary_stability)
               : 0.0) *
              input.residence_rising_main_h * residence +
          (other.in_sample_k_per_h.known()
               ? sample(other.in_sample_k_per_h, options_.vary_stability)
               : 0.0) *
              input.storage_time_h;
      const double other_excreted = rc.other_concentration_ng_per_l *
                                    relative(concentration_error) * flow * kMgPerNgTimesLPerM3 *
                                    sampling / std::exp(-other_exponent);
      excreted -= sample(rc.correction->ratio, options_.vary_corrections) * other_excreted;
    }
    const bool clipped = excreted < 0.0;
    const double corrected = std::max(excreted, 0.0);

    Outputs out{load,   load * 1000.0 / population, std::nan(""), std::nan(""), std::nan(""),
                clipped};
    if (consumption_known) {
      const double fraction =
          sample(excretion, options_.vary_excretion && !input.excretion_fraction);
      out.consumption = corrected * params.molecular_weight_ratio / fraction * 1000.0 / population;
      if (params.typical_dose_mg) {
        out.doses = out.consumption / sample(drug.typical_dose_mg, options_.vary_dose);
        if (params.doses_per_user_per_day) {
          out.users = out.doses / sample(drug.doses_per_user_per_day, options_.vary_dose);
        }
      }
    }
    return out;
  };

  SiteDayEstimate& e = result.estimate;
  e.drug = drug.name;
  e.biomarker = biomarker.name;
  e.censored = input.censored;
  e.population = input.population;
  e.catalogue_version = catalogue_.version();
  e.draws = options_.draws;
  e.seed = options_.seed;

  const Outputs point = evaluate(nullptr);
  e.load_mg_per_day.point = point.load;
  e.normalised_load_mg_per_day_per_1000.point = point.normalised;
  e.consumption_mg_per_day_per_1000.point = point.consumption;
  e.doses_per_day_per_1000.point = point.doses;
  e.users_per_1000.point = point.users;

  if (!consumption_known) {
    note += "no excretion fraction for " + biomarker.name + " in the catalogue: loads only; ";
  } else if (!params.typical_dose_mg) {
    note += "no typical dose for " + drug.name + ": no doses or users; ";
  } else if (!params.doses_per_user_per_day) {
    note += "no doses per user for " + drug.name + ": no users; ";
  }
  if (point.clipped) note += "corrections exceed the measured load: consumption set to 0; ";
  if (input.censored) note += "below LOQ: values are upper bounds at the LOQ; ";

  if (options_.draws > 0) {
    std::mt19937_64 rng(Mix64(options_.seed ^ Mix64(input.stream_id)));
    const size_t n = static_cast<size_t>(options_.draws);
    std::vector<double> load(n), normalised(n), consumption(n), doses(n), users(n);
    for (size_t i = 0; i < n; ++i) {
      const Outputs out = evaluate(&rng);
      load[i] = out.load;
      normalised[i] = out.normalised;
      consumption[i] = out.consumption;
      doses[i] = out.doses;
      users[i] = out.users;
    }
    Summarise(&load, &e.load_mg_per_day);
    Summarise(&normalised, &e.normalised_load_mg_per_day_per_1000);
    if (e.consumption_mg_per_day_per_1000.available()) {
      Summarise(&consumption, &e.consumption_mg_per_day_per_1000);
    }
    if (e.doses_per_day_per_1000.available()) Summarise(&doses, &e.doses_per_day_per_1000);
    if (e.users_per_1000.available()) Summarise(&users, &e.users_per_1000);
  }
  if (!note.empty()) note.resize(note.size() - 2);  // drop the trailing "; "
  e.note = note;
  return result;
}

}  // namespace wbe
