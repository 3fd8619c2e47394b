#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/alerts/weekly_screening.h"
#include "models/catalogue/drug_catalogue.h"
#include "models/core/civil_day.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe {

struct AlertsJobOptions {
  std::optional<IsoWeek> week;  // default: the last complete ISO week in the data
  ScreeningOptions screening;
  int threads = 0;     // series screened in parallel; 0: all cores
  DayIndex today = 0;  // a week must have ended before today; 0: TodayUtc()

  bool Check(std::string* why = nullptr) const;
};

// The screening's view of a store's contents (pointers into `contents`, which must outlive it).
ScreeningInputs ScreeningInputsFor(const StoreContents& contents, const DrugCatalogue& catalogue);

// The Monday of the week to report: `requested`, checked to have ended (its Sunday before
// `today` and within the daily district estimates), or the last such week. Throws InputError
// naming the store when there are no district estimates or the week has not ended.
DayIndex ReportMonday(const StoreContents& contents, const std::optional<IsoWeek>& requested,
                      DayIndex today, const std::string& store_path);

// Screens the week (ScreenWeek) on a store's contents. Throws InputError when no series could
// be screened (too short, all censored), with each series' reason.
ScreeningReport ScreenStoreWeek(const StoreContents& contents, const DrugCatalogue& catalogue,
                                const AlertsJobOptions& options, const std::string& store_path,
                                const std::function<void(int, int)>& progress = {});

// The report's files in `out_dir`, named by week: alerts-2026-W48.json, .csv, .html and
// ranking-2026-W48.csv.
struct AlertReportFiles {
  std::string json;
  std::string alerts_csv;
  std::string ranking_csv;
  std::string html;
  std::vector<std::string> All() const { return {json, alerts_csv, ranking_csv, html}; }
};
AlertReportFiles AlertReportPaths(const std::string& out_dir, const IsoWeek& week);

// Writes the report's files, each atomically (a reader never sees half a report file), and
// creates out_dir when missing. The same report gives byte-identical files.
AlertReportFiles WriteAlertReport(const ScreeningReport& report, const std::string& out_dir);

struct AlertsJobResult {
  ScreeningReport report;
  AlertReportFiles files;
  double seconds = 0.0;
};

// `wbe alerts`: reads the store, screens the week, writes the report into out_dir.
AlertsJobResult RunAlertsJob(const DrugCatalogue& catalogue, const std::string& store_path,
                             const std::string& out_dir, const AlertsJobOptions& options,
                             const std::function<void(int, int)>& progress = {});

}  // namespace wbe
