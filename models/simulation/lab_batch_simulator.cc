#include "models/simulation/lab_batch_simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/simulation/simulation_random.h"

namespace wbe::simulation_internal {
namespace {

enum class InjectionType { kBlank, kCal, kQc, kSample };

const char* TypeName(InjectionType type) {
  switch (type) {
    case InjectionType::kBlank:
      return "blank";
    case InjectionType::kCal:
      return "cal";
    case InjectionType::kQc:
      return "qc";
    case InjectionType::kSample:
      return "sample";
  }
  return "unknown";
}

struct Injection {
  InjectionType type = InjectionType::kBlank;
  int level = 0;          // 1-based for cal and qc
  int sample_index = -1;  // into LabBatchSpec::samples
};

// The run order a lab would use: the curve first, then QC sets (low to high) before, in the
// middle of and after the samples. A blank follows the top standard and every QC set, so
// carry-over shows in a blank rather than in the next sample.
std::vector<Injection> RunOrder(const LabSettings& lab, size_t sample_count) {
  std::vector<Injection> order;
  const Injection blank{InjectionType::kBlank, 0, -1};
  auto add_qc_set = [&] {
    for (size_t q = 0; q < lab.qc_levels_ng_per_l.size(); ++q) {
      order.push_back({InjectionType::kQc, static_cast<int>(q + 1), -1});
    }
    order.push_back(blank);
  };
  auto add_samples = [&](size_t from, size_t to) {
    for (size_t s = from; s < to; ++s) {
      order.push_back({InjectionType::kSample, 0, static_cast<int>(s)});
    }
  };
  order.push_back(blank);
  for (size_t c = 0; c < lab.calibration_levels_ng_per_l.size(); ++c) {
    order.push_back({InjectionType::kCal, static_cast<int>(c + 1), -1});
  }
  order.push_back(blank);
  add_qc_set();
  add_samples(0, sample_count / 2);
  add_qc_set();
  add_samples(sample_count / 2, sample_count);
  add_qc_set();
  return order;
}

// Area ratio (analyte / ISTD) for an extract concentration: linear with a mild saturation,
// r = s c / (1 + a c), so that a quadratic fit has something to find.
struct ResponseCurve {
  double slope = 0.0;       // per ng/L extract
  double saturation = 0.0;  // a, per ng/L extract

  double Ratio(double extract_ng_per_l) const {
    return slope * extract_ng_per_l / (1.0 + saturation * extract_ng_per_l);
  }
  double Inverse(double ratio) const {
    const double denominator = slope - saturation * ratio;
    // Far above the top standard the curve flattens out; a lab would dilute and re-inject,
    // here the linear part stands in.
    if (denominator <= 0.0) return ratio / slope;
    return ratio / denominator;
  }
};

// Instrument exports carry a fixed number of decimals; the simulator reports what such an
// export would hold and computes the lab's result from those rounded numbers.
constexpr int kAreaDecimals = 2;
constexpr int kRetentionTimeDecimals = 4;
constexpr int kQualifierRatioDecimals = 4;

double RoundTo(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace

void SimulateLabBatch(const LabSettings& lab, const DrugCatalogue& catalogue,
                      const LabBatchSpec& batch, uint64_t seed, bool noise,
                      std::vector<LabInjectionRow>* rows, std::vector<Measurement>* measurements) {
  const std::vector<Injection> order = RunOrder(lab, batch.samples.size());
  const double ef = lab.enrichment_factor;
  const double top_extract = lab.calibration_levels_ng_per_l.back() * ef;
  const double lowest_extract = lab.calibration_levels_ng_per_l.front() * ef;

  // Ion suppression differs from extract to extract but hits analyte and ISTD alike.
  std::vector<double> matrix_factor(order.size(), 1.0);
  std::mt19937_64 matrix_rng = Stream(seed, {"lab_matrix", batch.batch_id});
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i].type == InjectionType::kSample) {
      matrix_factor[i] = lab.matrix_factor_median * Noise(matrix_rng, lab.matrix_factor_rsd, noise);
    }
  }

  // Rows are emitted injection by injection (the order of an instrument export).
  const size_t analyte_count = lab.analytes.size();
  std::vector<LabInjectionRow> batch_rows(order.size() * analyte_count);
  for (const LabAnalyteSettings& analyte : lab.analytes) {
    const Biomarker& biomarker = catalogue.GetBiomarker(analyte.analyte);
    const double loq_ng_per_l =
        biomarker.default_loq_ng_per_l.known() ? biomarker.default_loq_ng_per_l.point() : 0.0;
    const size_t analyte_index = static_cast<size_t>(&analyte - lab.analytes.data());

    std::mt19937_64 batch_rng = Stream(seed, {"lab_batch", batch.batch_id, analyte.analyte});
    ResponseCurve curve;
    curve.slope =
        analyte.response_per_ng_per_l * Noise(batch_rng, lab.batch_sensitivity_rsd, noise);
    curve.saturation = lab.saturation_at_top_level / top_extract;
    const double rt_shift_min = Jitter(batch_rng, lab.retention_time_batch_sd_min, noise);
    const double lowest_area = lab.istd_area * curve.Ratio(lowest_extract);
    // Carry-over (a sticky analyte on a dirty needle or column) afflicts some analytes in
    // some batches.
    double carry_over = 0.0;
    if (noise) {
      std::mt19937_64 carry_rng = Stream(seed, {"lab_carry_over", batch.batch_id, analyte.analyte});
      const double u = UniformUnit(carry_rng);
      const double v = UniformUnit(carry_rng);
      if (u < lab.carry_over_probability) {
        carry_over = lab.carry_over_min_fraction +
                     (lab.carry_over_max_fraction - lab.carry_over_min_fraction) * v;
      }
    }

    std::mt19937_64 rng = Stream(seed, {"lab_injection", batch.batch_id, analyte.analyte});
    double previous_extract = 0.0;
    for (size_t i = 0; i < order.size(); ++i) {
      const Injection& injection = order[i];
      const LabSample* sample =
          injection.sample_index >= 0 ? &batch.samples[injection.sample_index] : nullptr;
      double nominal_extract = 0.0;
      switch (injection.type) {
        case InjectionType::kBlank:
          nominal_extract = 0.0;
          break;
        case InjectionType::kCal:
          nominal_extract = lab.calibration_levels_ng_per_l[injection.level - 1] * ef;
          break;
        case InjectionType::kQc:
          nominal_extract = lab.qc_levels_ng_per_l[injection.level - 1] * ef;
          break;
        case InjectionType::kSample:
          nominal_extract = sample->bottle_ng_per_l[analyte_index] * ef;
          break;
      }
      const double extract = nominal_extract + carry_over * previous_extract;
      previous_extract = nominal_extract;

      const double istd_area = RoundTo(
          lab.istd_area * matrix_factor[i] * Noise(rng, lab.istd_area_rsd, noise), kAreaDecimals);
      // A sample carries the whole method's error; a standard injected as prepared only the
      // instrument's.
      const double rsd = injection.type == InjectionType::kSample ? analyte.analytical_rsd
                                                                  : lab.standard_injection_rsd;
      double area = istd_area * curve.Ratio(extract) * Noise(rng, rsd, noise);
      if (injection.type == InjectionType::kQc && lab.failing_qc.enabled &&
          lab.failing_qc.batch_number == batch.batch_number &&
          lab.failing_qc.analyte == analyte.analyte && lab.failing_qc.level == injection.level) {
        area *= lab.failing_qc.bias_factor;
      }
      const double rt_jitter = Jitter(rng, lab.retention_time_injection_sd_min, noise);
      const double qualifier_z = noise ? StandardNormal(rng) : 0.0;

      LabInjectionRow row;
      row.batch_id = batch.batch_id;
      row.injection = static_cast<int>(i + 1);
      row.type = TypeName(injection.type);
      row.level = injection.level;
      row.analyte = analyte.analyte;
      row.istd_area = istd_area;
      area = RoundTo(area, kAreaDecimals);
      if (area < lab.peak_detection_area) {
        area = 0.0;  // no peak integrated; RT and qualifier ratio stay NaN
      } else {
        row.retention_time_min =
            RoundTo(analyte.retention_time_min + rt_shift_min + rt_jitter, kRetentionTimeDecimals);
        // Ion ratios scatter more for small peaks (counting noise on the weaker ion).
        const double q_rsd = lab.qualifier_ratio_rsd * std::max(1.0, std::sqrt(lowest_area / area));
        row.qualifier_ratio = RoundTo(
            analyte.qualifier_ratio * std::exp(std::sqrt(std::log1p(q_rsd * q_rsd)) * qualifier_z),
            kQualifierRatioDecimals);
      }
      row.area = area;
      if (sample != nullptr) {
        row.site_id = sample->site_id;
        row.sampling_date = sample->day;
        row.enrichment_factor = ef;
        row.expected_concentration_ng_per_l = LabInjectionRow::kNotApplicable;

        Measurement m;
        m.site_id = sample->site_id;
        m.day = sample->day;
        m.analyte = analyte.analyte;
        m.batch_id = batch.batch_id;
        m.loq_ng_per_l = loq_ng_per_l;
        const double measured_ng_per_l = area > 0.0 ? curve.Inverse(area / istd_area) / ef : 0.0;
        m.censored = !(measured_ng_per_l >= loq_ng_per_l) || measured_ng_per_l <= 0.0;
        m.concentration_ng_per_l =
            m.censored ? std::numeric_limits<double>::quiet_NaN() : measured_ng_per_l;
        measurements->push_back(m);
      } else {
        row.sampling_date = batch.analysis_date;
        row.enrichment_factor = 1.0;
        row.expected_concentration_ng_per_l = nominal_extract;
      }
      batch_rows[i * analyte_count + analyte_index] = row;
    }
  }
  rows->insert(rows->end(), batch_rows.begin(), batch_rows.end());
}

}  // namespace wbe::simulation_internal
