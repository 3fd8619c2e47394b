#include "pipeline/jobs/estimate_job.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "models/core/input_error.h"
#include "pipeline/archive/data_dir_lock.h"
#include "pipeline/jobs/ingest_job.h"
#include "pipeline/jobs/reestimate_job.h"

namespace wbe {
namespace {

std::string EstimatorSettingsJson(const DistrictEstimatorOptions& o) {
  nlohmann::json j;
  j["draws"] = o.draws;
  j["seed"] = o.seed;
  j["vary_excretion"] = o.vary_excretion;
  j["vary_stability"] = o.vary_stability;
  j["vary_corrections"] = o.vary_corrections;
  j["prior_from_data"] = o.prior_from_data;
  j["outlier_sigmas"] = o.outlier_sigmas;
  j["ratio_flag_factor"] = o.ratio_flag_factor;
  j["loss"] = o.inversion.loss == RobustLoss::kHuber    ? "huber"
              : o.inversion.loss == RobustLoss::kCauchy ? "cauchy"
                                                        : "none";
  j["loss_scale"] = o.inversion.loss_scale;
  j["random_walk_log_sigma_per_day"] = o.inversion.random_walk_log_sigma_per_day;
  j["day_of_week_log_sigma"] = o.inversion.day_of_week_log_sigma;
  j["per_capita_log_sigma"] = o.inversion.per_capita_log_sigma;
  j["analytical_rsd"] = o.measurement.analytical_rsd;
  j["plant_sampling_rsd"] = o.measurement.plant_sampling_rsd;
  j["manhole_sampling_rsd"] = o.measurement.manhole_sampling_rsd;
  j["flow_rsd"] = o.measurement.flow_rsd;
  j["storage_time_h"] = o.measurement.storage_time_h;
  return j.dump();
}

template <typename Row, typename InPeriod>
void ReplaceRows(std::vector<Row>* rows, const std::set<std::string>& drugs, InPeriod in_period,
                 std::vector<Row> fresh) {
  rows->erase(
      std::remove_if(rows->begin(), rows->end(),
                     [&](const Row& row) { return drugs.count(row.drug) > 0 && in_period(row); }),
      rows->end());
  rows->insert(rows->end(), std::make_move_iterator(fresh.begin()),
               std::make_move_iterator(fresh.end()));
}

}  // namespace

bool EstimateJobOptions::Check(std::string* why) const {
  if (from && to && *to < *from) {
    if (why != nullptr) *why = "--to is before --from";
    return false;
  }
  if (threads < 0) {
    if (why != nullptr) *why = "threads must be >= 0";
    return false;
  }
  return estimator.Check(why);
}

EstimateJobSummary EstimateDistricts(const DrugCatalogue& catalogue,
                                     const EstimateJobOptions& options, StoreContents* contents,
                                     const std::function<void(const std::string&)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("estimate: " + why);
  const auto started = std::chrono::steady_clock::now();
  if (contents->measurements.empty()) {
    throw InputError("the store has no measurements: ingest lab batches first");
  }
  DayIndex first = contents->measurements.front().day;
  DayIndex last = first;
  std::set<std::string> analytes;
  for (const Measurement& m : contents->measurements) {
    first = std::min(first, m.day);
    last = std::max(last, m.day);
    analytes.insert(m.analyte);
  }
  if (options.from) first = *options.from;
  if (options.to) last = *options.to;
  if (last < first) throw InputError("the period to estimate is empty (--from after the data)");

  std::vector<std::string> drugs;
  if (options.drugs.empty()) {
    for (const Drug& drug : catalogue.drugs()) {
      if (analytes.count(drug.PreferredRoute().biomarker) > 0) drugs.push_back(drug.name);
    }
    if (drugs.empty()) throw InputError("no measured biomarker is a drug's preferred biomarker");
  } else {
    for (const std::string& name : options.drugs) drugs.push_back(catalogue.GetDrug(name).name);
  }

  const DistrictEstimator estimator(catalogue, contents->city, options.estimator);
  const int day_count = static_cast<int>(last - first + 1);
  std::vector<DrugDistrictEstimates> results(drugs.size());
  std::vector<std::string> errors(drugs.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mutex;
  auto work = [&] {
    for (size_t i = next++; i < drugs.size(); i = next++) {
      try {
        results[i] =
            estimator.Estimate(drugs[i], contents->flows, contents->measurements, first, day_count);
      } catch (const std::exception& e) {
        errors[i] = drugs[i] + ": " + e.what();
      }
      const size_t finished = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress("estimated " + drugs[i] + " (" + std::to_string(finished) + "/" +
                 std::to_string(drugs.size()) + ")");
      }
    }
  };
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, drugs.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  for (const std::string& error : errors) {
    if (!error.empty()) throw InputError("estimate " + error);
  }

  EstimateJobSummary summary;
  summary.first_day = first;
  summary.last_day = last;
  summary.groups = estimator.groups();
  std::vector<DistrictEstimate> daily;
  std::vector<DistrictEstimate> weekly;
  std::vector<EstimateFlag> flags;
  for (DrugDistrictEstimates& result : results) {
    summary.drug_reports.push_back(result.BriefReport());
    daily.insert(daily.end(), result.daily.begin(), result.daily.end());
    weekly.insert(weekly.end(), result.weekly.begin(), result.weekly.end());
    flags.insert(flags.end(), result.flags.begin(), result.flags.end());
  }
  summary.daily_rows = daily.size();
  summary.weekly_rows = weekly.size();
  summary.flags = flags.size();
  const std::set<std::string> drug_set(drugs.begin(), drugs.end());
  auto starts_in_period = [first, last](const auto& row) {
    return row.start_day >= first && row.start_day <= last;
  };
  ReplaceRows(&contents->district_estimates, drug_set, starts_in_period, std::move(daily));
  ReplaceRows(&contents->district_week_estimates, drug_set, starts_in_period, std::move(weekly));
  ReplaceRows(
      &contents->estimate_flags, drug_set,
      [first, last](const EstimateFlag& f) { return f.day >= first && f.day <= last; },
      std::move(flags));
  contents->district_groups = estimator.groups();
  contents->attributes["estimate_options"] = EstimatorSettingsJson(options.estimator);
  contents->attributes["catalogue_version"] = catalogue.version();
  // The site estimates' upload this reflects: `wbe serve` redoes districts when it differs.
  contents->attributes["estimated_district_seq"] = std::to_string(StoreEstimatedSeq(*contents));
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

EstimateJobSummary RunEstimateJob(const DrugCatalogue& catalogue, const std::string& store_path,
                                  const EstimateJobOptions& options,
                                  const std::function<void(const std::string&)>& progress) {
  // The store of a data directory is also written by `wbe serve` and `wbe ingest`: take the
  // directory's writer lock, so that neither loses the other's work.
  std::optional<DataDirLock> lock;
  const std::string dir = std::filesystem::path(store_path).parent_path().string();
  if (std::filesystem::exists(DataDirLayout(dir.empty() ? "." : dir).archive_root)) {
    lock.emplace(DataDirLock::Acquire(dir.empty() ? "." : dir));
  }
  StoreContents contents = Hdf5Store::Read(store_path);
  if (progress) progress("read " + store_path);
  EstimateJobSummary summary = EstimateDistricts(catalogue, options, &contents, progress);
  Hdf5Store::Write(store_path, contents);
  if (progress) progress("wrote the district estimates into " + store_path);
  return summary;
}

std::string EstimateJobSummary::BriefReport() const {
  std::ostringstream out;
  out << "District estimates " << FormatIsoDate(first_day) << " .. " << FormatIsoDate(last_day)
      << ": " << daily_rows << " group-days, " << weekly_rows << " group-weeks, " << flags
      << " flags, " << seconds << " s\n";
  out << wbe::BriefReport(groups);
  for (const std::string& report : drug_reports) out << "  " << report << "\n";
  return out.str();
}

}  // namespace wbe
