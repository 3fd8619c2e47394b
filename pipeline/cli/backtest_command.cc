#include "pipeline/cli/backtest_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/core/input_error.h"
#include "models/core/text_files.h"
#include "models/forecast/backtest.h"
#include "models/forecast/yearly_week_evaluation.h"
#include "pipeline/cli/number_validators.h"
#include "pipeline/ingest/euda_wastewater_parser.h"
#include "pipeline/store/hdf5_store.h"

namespace wbe::cli {
namespace {

// `wbe backtest --euda FILE`: the yearly-trend and weekday-profile evaluations on EUDA/SCORE's
// one-week-a-year series.
void RunEudaBacktest(const std::string& path, const std::vector<std::string>& metabolites,
                     const std::string& site_info_path, bool json) {
  const std::vector<EudaWeekRecord> records =
      ParseEudaWastewaterCsv(ReadWholeFile(path, "EUDA all-data CSV"), path);
  std::set<std::string> known;
  for (const EudaWeekRecord& record : records) known.insert(record.metabolite);
  for (const std::string& metabolite : metabolites) {
    if (known.count(metabolite) == 0) {
      std::string names;
      for (const std::string& name : known) names += (names.empty() ? "" : ", ") + name;
      throw InputError("", 0, "--metabolite",
                       "no rows for '" + metabolite + "' in " + path + " (it has: " + names + ")");
    }
  }
  double population_served = 0.0;
  if (!site_info_path.empty()) {
    const std::vector<EudaSiteInfo> sites =
        ParseEudaSiteInfoCsv(ReadWholeFile(site_info_path, "EUDA site-info CSV"), site_info_path);
    std::map<std::string, double> population;
    for (const EudaSiteInfo& site : sites) population[site.site_id] = site.population;
    std::set<std::string> counted;
    for (const EudaWeekRecord& record : records) {
      const auto it = population.find(record.site_id);
      if (it == population.end()) {
        throw InputError(path, record.line, "Site ID",
                         "site " + record.site_id + " is not in the site table " + site_info_path);
      }
      if (counted.insert(record.site_id).second && std::isfinite(it->second)) {
        population_served += it->second;
      }
    }
  }

  // One series per (site, metabolite), the days as the models want them.
  std::map<std::pair<std::string, std::string>, YearlyWeekSeries> by_key;
  for (const EudaWeekRecord& record : records) {
    if (!metabolites.empty() &&
        std::find(metabolites.begin(), metabolites.end(), record.metabolite) == metabolites.end()) {
      continue;
    }
    YearlyWeekSeries& series = by_key[{record.site_id, record.metabolite}];
    series.site_id = record.site_id;
    series.metabolite = record.metabolite;
    SampledWeek week;
    week.year = record.year;
    week.load_by_weekday = record.load_mg_per_day_per_1000_by_weekday;
    week.censored = record.below_loq;
    series.weeks.push_back(week);
  }
  std::vector<YearlyWeekSeries> series;
  int weeks = 0;
  for (auto& [key, one] : by_key) {
    weeks += static_cast<int>(one.weeks.size());
    series.push_back(std::move(one));
  }
  const YearlyTrendEvaluation yearly = EvaluateYearlyTrend(series);
  const WeekdayEvaluation weekday = EvaluateWeekdayProfile(series);
  if (yearly.series.empty()) {
    throw InputError(path + ": no series is long enough for the yearly backtest (" +
                     std::to_string(series.size()) + " site x metabolite series, " +
                     std::to_string(yearly.skipped.size()) + " skipped, e.g. " +
                     (yearly.skipped.empty() ? std::string("none")
                                             : yearly.skipped.front().site_id + " " +
                                                   yearly.skipped.front().metabolite + ": " +
                                                   yearly.skipped.front().reason) +
                     ")");
  }
  if (json) {
    nlohmann::json source = {{"file", path},
                             {"rows", records.size()},
                             {"weeks", weeks},
                             {"series", series.size()},
                             {"metabolites", metabolites}};
    if (!site_info_path.empty()) {
      source["site_info"] = site_info_path;
      source["population_served"] = population_served;
    }
    const nlohmann::json document = {
        {"source", std::move(source)}, {"yearly", yearly.ToJson()}, {"weekday", weekday.ToJson()}};
    std::cout << document.dump(2) << "\n";
    return;
  }
  std::printf("%s: %zu rows, %d weeks in %zu site x metabolite series", path.c_str(),
              records.size(), weeks, series.size());
  if (!site_info_path.empty()) {
    std::printf("; sites serve %.1f million people", population_served / 1e6);
  }
  std::printf("\n\n%s\n%s", yearly.BriefReport().c_str(), weekday.BriefReport().c_str());
}

}  // namespace

void RegisterBacktestCommand(CLI::App& app) {
  struct Args {
    std::string store_path;
    std::string euda_path;
    std::vector<std::string> metabolites;
    std::string site_info_path;
    std::string period = "day";
    std::vector<std::string> drugs;
    int horizon_steps = 0;
    int min_train_steps = 0;
    int origin_step_steps = 7;
    bool no_refit = false;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "backtest",
      "Rolling-origin backtest of the structural forecaster on each district group x drug "
      "series of a store's district estimates: MASE against the seasonal-naive forecast, 90 % "
      "interval coverage and CRPS, on the log scale; one line per series and an overall line. "
      "With --euda instead: EUDA/SCORE's one-week-a-year city series, the yearly trend "
      "(backtest of the week's mean load and the rising-trend probability's Brier score) and "
      "the weekday profile (does earlier years' profile predict a week's shape)");
  CLI::Option_group* source = cmd->add_option_group("source", "What to backtest (exactly one)");
  CLI::Option* store = source
                           ->add_option("--store", args->store_path,
                                        "HDF5 store after `wbe estimate` (e.g. DIR/wbe-store.h5)")
                           ->check(CLI::ExistingFile);
  CLI::Option* euda = source->add_option(
      "--euda", args->euda_path,
      "EUDA/SCORE all-data CSV (e.g. tests/data/euda/ww2025-all-data.csv): loads in mg/day/1000 "
      "inhabitants, one week per city, metabolite and year; 0 is below the LOQ, empty no data");
  source->require_option(1);
  cmd->add_option("--metabolite", args->metabolites,
                  "With --euda: evaluate only this metabolite as the file names it (MDMA, "
                  "amphetamine, cannabis, cocaine, ketamine, methamphetamine); repeatable")
      ->take_all()
      ->needs(euda);
  cmd->add_option("--site-info", args->site_info_path,
                  "With --euda: EUDA's site table (ww2025-site-info-table.csv); every site must be "
                  "in it, and the population served is reported")
      ->needs(euda);
  const std::vector<CLI::Option*> store_only = {
      cmd->add_option("--period", args->period,
                      "With --store. day: daily estimates with a weekday effect; week: ISO-week "
                      "means, no season")
          ->check(CLI::IsMember({"day", "week"})),
      cmd->add_option("--drug", args->drugs,
                      "With --store: backtest only this drug (exact name); repeatable")
          ->take_all(),
      cmd->add_option("--horizon", args->horizon_steps,
                      "With --store: steps forecast from each origin, in days or weeks (0: 7 days "
                      "or 4 weeks); --euda always forecasts 1 year ahead")
          ->check(NonNegativeNumber()),
      cmd->add_option("--min-train", args->min_train_steps,
                      "With --store: steps before the first origin (0: 56 days or 12 weeks); "
                      "--euda uses 5 years")
          ->check(NonNegativeNumber()),
      cmd->add_option("--origin-step", args->origin_step_steps,
                      "With --store: steps between origins")
          ->check(PositiveNumber()),
      cmd->add_flag("--no-refit", args->no_refit,
                    "With --store: fit the hyper-parameters once at the first origin and only "
                    "re-run the Kalman filter at later ones (faster; the default refits at every "
                    "origin)")};
  for (CLI::Option* option : store_only) option->needs(store);
  cmd->add_flag("--json", args->json,
                "Print one JSON object. --store: overall {mase, median_mase, coverage_90, crps, "
                "naive_mase, forecasts, series, skipped, by_horizon}, series [...], skipped "
                "[...]. --euda: source {...}, yearly {settings, overall {mase, median_mase, "
                "coverage_90, crps, naive_mase, brier, brier_climatology, brier_skill, "
                "base_rate, reliability, ...}, by_metabolite, skipped}, weekday {settings, "
                "overall, by_metabolite}");
  cmd->callback([args] {
    if (!args->euda_path.empty()) {
      RunEudaBacktest(args->euda_path, args->metabolites, args->site_info_path, args->json);
      return;
    }
    const std::string& path = args->store_path;
    const StoreContents contents = Hdf5Store::Read(path);
    const bool daily = args->period == "day";
    const std::vector<DistrictEstimate>& rows =
        daily ? contents.district_estimates : contents.district_week_estimates;
    if (rows.empty()) {
      throw InputError(path + " has no " + (daily ? "daily" : "weekly") +
                       " district estimates: run wbe estimate --store " + path + " first");
    }
    std::set<std::string> estimated;
    for (const DistrictEstimate& row : rows) estimated.insert(row.drug);
    for (const std::string& drug : args->drugs) {
      if (estimated.count(drug) == 0) {
        std::string known;
        for (const std::string& name : estimated) known += (known.empty() ? "" : ", ") + name;
        throw InputError(
            "", 0, "--drug",
            "no district estimates for '" + drug + "' in " + path + " (estimated: " + known + ")");
      }
    }
    DistrictBacktestOptions options;
    options.period = daily ? BacktestPeriod::kDay : BacktestPeriod::kWeek;
    options.drugs = args->drugs;
    options.backtest.horizon_steps = args->horizon_steps > 0 ? args->horizon_steps : daily ? 7 : 4;
    options.backtest.min_train_steps = args->min_train_steps;
    options.backtest.origin_step_steps = args->origin_step_steps;
    options.backtest.refit = !args->no_refit;
    std::string why;
    if (!options.Check(&why)) throw InputError("backtest options: " + why);

    // A line on stderr every few seconds, so a long run shows it is alive without flooding.
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    const auto progress = [&](int done, int total, const std::string& label) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::seconds(2)) return;
      last = now;
      std::fprintf(stderr, "wbe backtest: %d/%d series done (%.0f s), now %s\n", done, total,
                   std::chrono::duration<double>(now - start).count(), label.c_str());
    };
    const DistrictBacktest result = BacktestDistrictEstimates(rows, options, progress);
    if (result.series.empty()) {
      std::string reasons;
      for (const SkippedBacktestSeries& s : result.skipped) {
        reasons += "\n  " + s.group_id + " " + s.drug + ": " + s.reason;
      }
      throw InputError(path + ": no series could be backtested" +
                       (reasons.empty() ? std::string(" (no rows for the drugs asked)") : reasons));
    }
    if (args->json) {
      std::cout << result.ToJson().dump(2) << "\n";
    } else {
      std::printf("%s\n%s", path.c_str(), result.BriefReport().c_str());
    }
  });
}

}  // namespace wbe::cli
