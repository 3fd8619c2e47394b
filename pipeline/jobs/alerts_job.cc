#include "pipeline/jobs/alerts_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "models/core/input_error.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/export/alert_report_csv.h"
#include "pipeline/export/alert_report_html.h"

namespace wbe {

namespace fs = std::filesystem;

bool AlertsJobOptions::Check(std::string* why) const {
  if (threads < 0) {
    if (why != nullptr) *why = "threads must be 0 (all cores) or more";
    return false;
  }
  return screening.Check(why);
}

ScreeningInputs ScreeningInputsFor(const StoreContents& contents, const DrugCatalogue& catalogue) {
  ScreeningInputs inputs;
  inputs.city = &contents.city;
  inputs.catalogue = &catalogue;
  inputs.daily_estimates = &contents.district_estimates;
  inputs.week_estimates = &contents.district_week_estimates;
  inputs.estimate_flags = &contents.estimate_flags;
  inputs.measurements = &contents.measurements;
  inputs.flows = &contents.flows;
  return inputs;
}

DayIndex ReportMonday(const StoreContents& contents, const std::optional<IsoWeek>& requested,
                      DayIndex today, const std::string& store_path) {
  if (contents.district_estimates.empty()) {
    throw InputError(
        store_path, 0, "/estimates/district",
        "the store has no district estimates; run `wbe estimate --store " + store_path + "` first");
  }
  DayIndex last_day = contents.district_estimates.front().start_day;
  for (const DistrictEstimate& row : contents.district_estimates) {
    last_day = std::max(last_day, row.start_day);
  }
  // The last Sunday covered by the estimates and already over.
  const DayIndex last_over = std::min(last_day, today - 1);
  const DayIndex last_sunday = last_over - (IsoWeekday(last_over) + 1) % 7;
  const DayIndex last_monday = last_sunday - 6;
  if (!requested) return last_monday;
  const DayIndex monday = MondayOfIsoWeek(*requested);
  const std::string name = requested->ToString();
  if (monday + 6 >= today) {
    throw InputError(store_path, 0, "week",
                     "week " + name + " has not ended yet (it ends on " +
                         FormatIsoDate(monday + 6) + ", today is " + FormatIsoDate(today) +
                         "); the last complete week in the data is " +
                         IsoWeekOf(last_monday).ToString());
  }
  if (monday + 6 > last_day) {
    throw InputError(store_path, 0, "week",
                     "week " + name + " has not ended in the data: the district estimates run to " +
                         FormatIsoDate(last_day) + "; the last complete week is " +
                         IsoWeekOf(last_monday).ToString() +
                         " (ingest the rest of the week's batches and run `wbe estimate`)");
  }
  return monday;
}

ScreeningReport ScreenStoreWeek(const StoreContents& contents, const DrugCatalogue& catalogue,
                                const AlertsJobOptions& options, const std::string& store_path,
                                const std::function<void(int, int)>& progress) {
  std::string why;
  if (!options.Check(&why)) throw std::invalid_argument("alerts options: " + why);
  const DayIndex today = options.today != 0 ? options.today : TodayUtc();
  const DayIndex monday = ReportMonday(contents, options.week, today, store_path);
  ScreeningReport report = ScreenWeek(ScreeningInputsFor(contents, catalogue), monday,
                                      options.screening, nullptr, options.threads, progress);
  if (report.outlooks.empty()) {
    std::string reasons;
    for (size_t i = 0; i < report.skipped.size() && i < 5; ++i) {
      const SkippedSeries& s = report.skipped[i];
      reasons += (i > 0 ? "; " : "") + s.group_id + " " + s.drug + ": " + s.reason;
    }
    if (report.skipped.size() > 5) {
      reasons += "; and " + std::to_string(report.skipped.size() - 5) + " more";
    }
    throw InputError(
        store_path, 0, "week",
        "no series could be screened for " + report.week.ToString() + " (" + reasons + ")");
  }
  return report;
}

AlertReportFiles AlertReportPaths(const std::string& out_dir, const IsoWeek& week) {
  const std::string w = week.ToString();
  const fs::path dir(out_dir);
  return {(dir / ("alerts-" + w + ".json")).string(), (dir / ("alerts-" + w + ".csv")).string(),
          (dir / ("ranking-" + w + ".csv")).string(), (dir / ("alerts-" + w + ".html")).string()};
}

AlertReportFiles WriteAlertReport(const ScreeningReport& report, const std::string& out_dir) {
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error || !fs::is_directory(out_dir)) {
    throw std::runtime_error("cannot create the report folder " + out_dir + ": " + error.message());
  }
  const AlertReportFiles files = AlertReportPaths(out_dir, report.week);
  const nlohmann::json json = report.ToJson();
  WriteFileAtomically(files.json, json.dump(2) + "\n");
  WriteFileAtomically(files.alerts_csv, AlertsCsv(report));
  WriteFileAtomically(files.ranking_csv, RankingCsv(report));
  WriteFileAtomically(files.html, RenderAlertReportHtml(json));
  return files;
}

AlertsJobResult RunAlertsJob(const DrugCatalogue& catalogue, const std::string& store_path,
                             const std::string& out_dir, const AlertsJobOptions& options,
                             const std::function<void(int, int)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const StoreContents contents = Hdf5Store::Read(store_path);
  AlertsJobResult result;
  result.report = ScreenStoreWeek(contents, catalogue, options, store_path, progress);
  result.files = WriteAlertReport(result.report, out_dir);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace wbe
