// Writers for the simulator's own outputs: the long-format lab batches
// (data-schemas/long-format-batch.md) and the ground truth. The observations (city, flows,
// measurements) are written by the pipeline's simulate job and store.

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "data-schemas/contracts/long_format_columns.h"
#include "models/simulation/city_simulator.h"

namespace wbe {
namespace {

// Shortest text that reads back to the same double, in plain decimals where that stays short
// (what a spreadsheet user expects); empty for NaN (not applicable).
std::string Number(double value) {
  if (std::isnan(value)) return "";
  constexpr double kPlainMin = 1e-6;
  constexpr double kPlainMax = 1e15;
  const double magnitude = std::fabs(value);
  const bool plain = magnitude == 0.0 || (magnitude >= kPlainMin && magnitude < kPlainMax);
  char buffer[64];
  const std::to_chars_result result =
      plain ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

// RFC 4180: quote a field holding a comma, a quote or a line break; double inner quotes.
std::string Field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

class CsvFile {
 public:
  CsvFile(const std::filesystem::path& path, const std::vector<std::string>& header)
      : path_(path), out_(path, std::ios::binary) {
    if (!out_) throw std::runtime_error("cannot write " + path.string());
    Row(header);
  }
  void Row(const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out_ << ',';
      out_ << Field(fields[i]);
    }
    out_ << '\n';
  }
  void Close() {
    out_.close();
    if (!out_) throw std::runtime_error("failed writing " + path_.string());
  }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

void WriteTextFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("failed writing " + path.string());
}

}  // namespace

void WriteLabBatchesCsv(const SimulatedCity& simulated, const std::string& dir) {
  std::filesystem::create_directories(dir);
  // Rows of a batch are contiguous and in run order; keep the first-seen batch order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const LabInjectionRow*>> batches;
  for (const LabInjectionRow& row : simulated.lab_rows) {
    auto [it, inserted] = batches.try_emplace(row.batch_id);
    if (inserted) order.push_back(row.batch_id);
    it->second.push_back(&row);
  }
  for (const std::string& batch_id : order) {
    CsvFile csv(std::filesystem::path(dir) / (batch_id + ".csv"), LongFormatColumns());
    for (const LabInjectionRow* row : batches[batch_id]) {
      csv.Row({row->batch_id, std::to_string(row->injection), row->type,
               row->level > 0 ? std::to_string(row->level) : "", row->site_id,
               FormatIsoDate(row->sampling_date), row->analyte, Number(row->area),
               Number(row->istd_area), Number(row->retention_time_min),
               Number(row->qualifier_ratio), Number(row->enrichment_factor),
               Number(row->expected_concentration_ng_per_l)});
    }
    csv.Close();
  }
}

void WriteGroundTruth(const SimulatedCity& simulated, const std::string& dir) {
  const std::filesystem::path root(dir);
  std::filesystem::create_directories(root);
  {
    CsvFile csv(root / "district_consumption.csv",
                {"district_id", "date", "drug", "consumption_mg"});
    for (const DistrictDayTruth& t : simulated.truth.districts) {
      csv.Row({t.district_id, FormatIsoDate(t.day), t.drug, Number(t.consumption_mg)});
    }
    csv.Close();
  }
  {
    CsvFile csv(root / "district_inputs.csv",
                {"district_id", "date", "biomarker", "excreted_mg", "dumped_mg"});
    for (const DistrictDayInput& t : simulated.district_inputs) {
      csv.Row({t.district_id, FormatIsoDate(t.day), t.biomarker, Number(t.excreted_mg),
               Number(t.dumped_mg)});
    }
    csv.Close();
  }
  {
    CsvFile csv(root / "site_loads.csv",
                {"site_id", "date", "biomarker", "load_mg_per_day", "concentration_ng_per_l"});
    for (const SiteDayTruth& t : simulated.truth.sites) {
      csv.Row({t.site_id, FormatIsoDate(t.day), t.biomarker, Number(t.load_mg_per_day),
               Number(t.concentration_ng_per_l)});
    }
    csv.Close();
  }
  {
    CsvFile csv(root / "flows.csv", {"site_id", "date", "flow_m3_per_day", "rain_mm",
                                     "cod_mg_per_l", "nh4_n_mg_per_l"});
    for (const FlowRecord& f : simulated.true_flows) {
      csv.Row({f.site_id, FormatIsoDate(f.day), Number(f.flow_m3_per_day), Number(f.rain_mm),
               Number(f.cod_mg_per_l), Number(f.nh4_n_mg_per_l)});
    }
    csv.Close();
  }

  nlohmann::json events = nlohmann::json::array();
  for (const InjectedEvent& e : simulated.truth.events) {
    events.push_back({{"kind", e.kind},
                      {"district_id", e.district_id},
                      {"site_id", e.site_id},
                      {"drug", e.drug},
                      {"start_date", FormatIsoDate(e.start_day)},
                      {"end_date", FormatIsoDate(e.end_day)},
                      {"magnitude", e.magnitude},
                      {"description", e.description}});
  }
  const nlohmann::json run = {{"seed", simulated.seed},
                              {"start_date", FormatIsoDate(simulated.start_day)},
                              {"days", simulated.days},
                              {"scenario_note", simulated.scenario.note},
                              {"magnitude_units",
                               {{"surge", "multiplier on consumption"},
                                {"new_substance", "mg/day per 1000 inhabitants"},
                                {"dumping", "mg of biomarker dumped"}}},
                              {"events", events}};
  WriteTextFile(root / "events.json", run.dump(2) + "\n");
}

}  // namespace wbe
