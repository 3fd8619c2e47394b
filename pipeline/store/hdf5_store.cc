#include "pipeline/store/hdf5_store.h"

#include <H5Cpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "models/core/civil_day.h"
#include "models/core/input_error.h"
#include "models/core/string_lists.h"
#include "pipeline/archive/durable_file.h"

namespace wbe {
namespace {

constexpr char kLayoutVersionAttr[] = "wbe_layout_version";

// Columns at least this long are chunked and compressed; shorter ones stay contiguous, where
// filter and chunk-index overhead would outweigh the saving.
constexpr hsize_t kChunkThresholdRows = 256;
// 8192 doubles = 64 KiB per chunk: well inside the default 1 MiB chunk cache.
constexpr hsize_t kChunkRows = 8192;
constexpr int kDeflateLevel = 4;
constexpr unsigned kChunkIndexK = 2;

constexpr char kUnitsDay[] = "days since 1970-01-01";
constexpr char kUnitsDimensionless[] = "1";
constexpr char kUnitsNgPerL[] = "ng/L";
constexpr char kUnitsMgPerL[] = "mg/L";
constexpr char kUnitsMgPerDay[] = "mg/day";
constexpr char kUnitsPerThousand[] = "mg/day/1000 inhabitants";
constexpr char kUnitsInhabitants[] = "inhabitants";
constexpr char kUnitsPersons[] = "persons";

// The UncertainValue members of a row type, each stored as four columns <name><suffix>.
template <typename Row>
struct QuantityColumns {
  const char* name;
  UncertainValue Row::*member;
  const char* units;
};

constexpr QuantityColumns<SiteDayEstimate> kQuantities[] = {
    {"load_mg_per_day", &SiteDayEstimate::load_mg_per_day, kUnitsMgPerDay},
    {"normalised_load_mg_per_day_per_1000", &SiteDayEstimate::normalised_load_mg_per_day_per_1000,
     kUnitsPerThousand},
    {"consumption_mg_per_day_per_1000", &SiteDayEstimate::consumption_mg_per_day_per_1000,
     kUnitsPerThousand},
    {"doses_per_day_per_1000", &SiteDayEstimate::doses_per_day_per_1000,
     "doses/day/1000 inhabitants"},
    {"users_per_1000", &SiteDayEstimate::users_per_1000, "users/1000 inhabitants"},
};

constexpr QuantityColumns<DistrictEstimate> kDistrictQuantities[] = {
    {"mass_mg_per_day", &DistrictEstimate::mass_mg_per_day, kUnitsMgPerDay},
    {"consumption_mg_per_day", &DistrictEstimate::consumption_mg_per_day, kUnitsMgPerDay},
    {"consumption_mg_per_day_per_1000", &DistrictEstimate::consumption_mg_per_day_per_1000,
     kUnitsPerThousand},
    {"users", &DistrictEstimate::users, kUnitsPersons},
};

struct SummaryColumn {
  const char* suffix;
  double UncertainValue::*member;
};
constexpr SummaryColumn kSummaries[] = {{"_point", &UncertainValue::point},
                                        {"_median", &UncertainValue::median},
                                        {"_p05", &UncertainValue::p05},
                                        {"_p95", &UncertainValue::p95}};

// The Debian HDF5 build is not thread-safe, so every library call goes through this lock.
std::mutex& LibraryMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string Join(const std::string& group_path, const std::string& name) {
  return group_path + "/" + name;
}

std::string Compose(const std::string& file, const std::string& object,
                    const std::string& message) {
  return file + ": " + (object.empty() ? "" : object + ": ") + message;
}

// ---------------------------------------------------------------------------------------------
// Ordering. Doubles are compared by a total order on their bits, so NaN sorts consistently and
// only bit-identical rows tie: the sorted order is a function of the multiset of rows.

uint64_t OrderBits(double x) {
  uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof(bits));
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

template <typename Row, size_t N>
std::array<uint64_t, 4 * N> ValueBits(const Row& row, const QuantityColumns<Row> (&quantities)[N]) {
  std::array<uint64_t, 4 * N> bits{};
  size_t i = 0;
  for (const QuantityColumns<Row>& q : quantities) {
    for (const SummaryColumn& s : kSummaries) bits[i++] = OrderBits(row.*q.member.*s.member);
  }
  return bits;
}

bool FlowLess(const FlowRecord& a, const FlowRecord& b) {
  auto key = [](const FlowRecord& r) {
    return std::make_tuple(std::cref(r.site_id), r.day, OrderBits(r.flow_m3_per_day),
                           OrderBits(r.rain_mm), OrderBits(r.cod_mg_per_l),
                           OrderBits(r.nh4_n_mg_per_l));
  };
  return key(a) < key(b);
}

bool MeasurementLess(const Measurement& a, const Measurement& b) {
  auto key = [](const Measurement& r) {
    return std::make_tuple(std::cref(r.site_id), std::cref(r.analyte), r.day, r.censored,
                           OrderBits(r.concentration_ng_per_l), OrderBits(r.loq_ng_per_l),
                           std::cref(r.batch_id), std::cref(r.qc_flags));
  };
  return key(a) < key(b);
}

bool EstimateLess(const SiteDayEstimate& a, const SiteDayEstimate& b) {
  auto key = [](const SiteDayEstimate& r) {
    return std::make_tuple(std::cref(r.site_id), std::cref(r.drug), std::cref(r.biomarker), r.day);
  };
  const auto key_a = key(a);
  const auto key_b = key(b);
  if (key_a < key_b) return true;
  if (key_b < key_a) return false;
  // Ties are rare; only then pay for the 20 value columns.
  auto rest = [](const SiteDayEstimate& r) {
    return std::make_tuple(r.censored, OrderBits(r.population), ValueBits(r, kQuantities),
                           std::cref(r.batch_ids), std::cref(r.catalogue_version), r.draws, r.seed,
                           std::cref(r.note));
  };
  return rest(a) < rest(b);
}

bool DistrictEstimateLess(const DistrictEstimate& a, const DistrictEstimate& b) {
  auto key = [](const DistrictEstimate& r) {
    return std::make_tuple(std::cref(r.group_id), std::cref(r.drug), r.start_day);
  };
  const auto key_a = key(a);
  const auto key_b = key(b);
  if (key_a < key_b) return true;
  if (key_b < key_a) return false;
  auto rest = [](const DistrictEstimate& r) {
    return std::make_tuple(std::cref(r.biomarker), std::cref(r.district_ids), r.resolved, r.days,
                           OrderBits(r.population), r.observations, r.censored_observations,
                           r.flagged_observations, ValueBits(r, kDistrictQuantities),
                           OrderBits(r.consumption_p05_given_parameters),
                           OrderBits(r.consumption_p95_given_parameters), std::cref(r.batch_ids),
                           std::cref(r.catalogue_version), r.draws, r.seed, std::cref(r.note));
  };
  return rest(a) < rest(b);
}

bool FlagLess(const EstimateFlag& a, const EstimateFlag& b) {
  auto key = [](const EstimateFlag& r) {
    return std::make_tuple(std::cref(r.site_id), r.day, std::cref(r.drug), std::cref(r.biomarker),
                           std::cref(r.kind), OrderBits(r.value), OrderBits(r.expected),
                           std::cref(r.batch_ids), std::cref(r.message));
  };
  return key(a) < key(b);
}

bool DistrictTruthLess(const DistrictDayTruth& a, const DistrictDayTruth& b) {
  auto key = [](const DistrictDayTruth& r) {
    return std::make_tuple(std::cref(r.district_id), std::cref(r.drug), r.day,
                           OrderBits(r.consumption_mg));
  };
  return key(a) < key(b);
}

bool SiteTruthLess(const SiteDayTruth& a, const SiteDayTruth& b) {
  auto key = [](const SiteDayTruth& r) {
    return std::make_tuple(std::cref(r.site_id), std::cref(r.biomarker), r.day,
                           OrderBits(r.load_mg_per_day), OrderBits(r.concentration_ng_per_l));
  };
  return key(a) < key(b);
}

// Write sorts pointers rather than copying the (possibly large) contents.
template <typename T>
using Rows = std::vector<const T*>;

template <typename T, typename Less>
Rows<T> SortedRows(const std::vector<T>& rows, Less less) {
  Rows<T> sorted;
  sorted.reserve(rows.size());
  for (const T& row : rows) sorted.push_back(&row);
  std::sort(sorted.begin(), sorted.end(), [&](const T* a, const T* b) { return less(*a, *b); });
  return sorted;
}

// Calls write(run) for each maximal run of consecutive rows with the same key.
template <typename T, typename Key, typename WriteRun>
void ForEachRun(const Rows<T>& rows, Key key, WriteRun write) {
  size_t begin = 0;
  while (begin < rows.size()) {
    size_t end = begin + 1;
    while (end < rows.size() && key(*rows[end]) == key(*rows[begin])) ++end;
    write(Rows<T>(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                  rows.begin() + static_cast<std::ptrdiff_t>(end)));
    begin = end;
  }
}

template <typename Out, typename T, typename Get>
std::vector<Out> Column(const Rows<T>& rows, Get get) {
  std::vector<Out> out;
  out.reserve(rows.size());
  for (const T* row : rows) out.push_back(static_cast<Out>(get(*row)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation before anything touches the disk.

void CheckGroupName(const std::string& file, const std::string& field, const std::string& id) {
  std::string problem;
  if (id.empty()) {
    problem = "is empty";
  } else if (id == "." || id == "..") {
    problem = "is a path component";
  } else if (id.find('/') != std::string::npos) {
    problem = "contains '/'";
  } else if (id.find('\0') != std::string::npos) {
    problem = "contains a NUL byte";
  }
  if (!problem.empty()) {
    throw InputError(file, 0, field,
                     "id '" + id + "' " + problem + ", so it cannot name an HDF5 group");
  }
}

std::string Field(const char* vector_name, size_t index, const char* member) {
  return std::string(vector_name) + "[" + std::to_string(index) + "]." + member;
}

// Id lists (the members and sites of a district group) are stored as one comma-separated
// string, so an id in such a list must be non-empty and free of commas to come back intact.
void CheckListedIds(const std::string& file, const std::string& field,
                    const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (id.empty() || id.find(',') != std::string::npos) {
      throw InputError(file, 0, field,
                       "id '" + id + "' is empty or contains ',', so it cannot be stored in a " +
                           "comma-separated list");
    }
  }
}

// Daily and weekly district estimates are stored in separate trees; a reader rebuilds `days`
// from the tree, so each vector must hold only its own period.
void ValidateDistrictEstimates(const std::string& file, const char* vector_name,
                               const std::vector<DistrictEstimate>& rows, int days) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const DistrictEstimate& e = rows[i];
    CheckGroupName(file, Field(vector_name, i, "group_id"), e.group_id);
    CheckGroupName(file, Field(vector_name, i, "drug"), e.drug);
    if (e.days != days) {
      throw InputError(file, 0, Field(vector_name, i, "days"),
                       "is " + std::to_string(e.days) + ", but " + vector_name +
                           " holds rows with days == " + std::to_string(days));
    }
  }
}

void ValidateForWrite(const std::string& path, const StoreContents& contents) {
  for (const auto& [key, value] : contents.attributes) {
    if (key.empty() || key == kLayoutVersionAttr || key.find('\0') != std::string::npos) {
      throw InputError(path, 0, "attributes",
                       "key '" + key + "' is empty, reserved or contains a NUL byte");
    }
  }
  for (size_t i = 0; i < contents.city.districts.size(); ++i) {
    const auto& users = contents.city.districts[i].registered_users;
    if (users && *users < 0) {
      throw InputError(path, 0, Field("city.districts", i, "registered_users"),
                       "negative count " + std::to_string(*users) + " (-1 is the unknown marker)");
    }
  }
  for (size_t i = 0; i < contents.flows.size(); ++i) {
    CheckGroupName(path, Field("flows", i, "site_id"), contents.flows[i].site_id);
  }
  for (size_t i = 0; i < contents.measurements.size(); ++i) {
    CheckGroupName(path, Field("measurements", i, "site_id"), contents.measurements[i].site_id);
    CheckGroupName(path, Field("measurements", i, "analyte"), contents.measurements[i].analyte);
  }
  for (size_t i = 0; i < contents.site_estimates.size(); ++i) {
    const SiteDayEstimate& e = contents.site_estimates[i];
    CheckGroupName(path, Field("site_estimates", i, "site_id"), e.site_id);
    CheckGroupName(path, Field("site_estimates", i, "drug"), e.drug);
    CheckGroupName(path, Field("site_estimates", i, "biomarker"), e.biomarker);
  }
  ValidateDistrictEstimates(path, "district_estimates", contents.district_estimates, 1);
  ValidateDistrictEstimates(path, "district_week_estimates", contents.district_week_estimates, 7);
  for (size_t i = 0; i < contents.district_groups.size(); ++i) {
    const DistrictGroup& g = contents.district_groups[i];
    CheckListedIds(path, Field("district_groups", i, "district_ids"), g.district_ids);
    CheckListedIds(path, Field("district_groups", i, "site_ids"), g.site_ids);
  }
  if (contents.truth) {
    for (size_t i = 0; i < contents.truth->districts.size(); ++i) {
      const DistrictDayTruth& t = contents.truth->districts[i];
      CheckGroupName(path, Field("truth.districts", i, "district_id"), t.district_id);
      CheckGroupName(path, Field("truth.districts", i, "drug"), t.drug);
    }
    for (size_t i = 0; i < contents.truth->sites.size(); ++i) {
      const SiteDayTruth& t = contents.truth->sites[i];
      CheckGroupName(path, Field("truth.sites", i, "site_id"), t.site_id);
      CheckGroupName(path, Field("truth.sites", i, "biomarker"), t.biomarker);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HDF5 types and error text.

template <typename T>
struct Hdf5Types;
template <>
struct Hdf5Types<double> {
  static const H5::PredType& File() { return H5::PredType::IEEE_F64LE; }
  static const H5::PredType& Memory() { return H5::PredType::NATIVE_DOUBLE; }
};
template <>
struct Hdf5Types<int32_t> {
  static const H5::PredType& File() { return H5::PredType::STD_I32LE; }
  static const H5::PredType& Memory() { return H5::PredType::NATIVE_INT32; }
};
template <>
struct Hdf5Types<uint8_t> {
  static const H5::PredType& File() { return H5::PredType::STD_U8LE; }
  static const H5::PredType& Memory() { return H5::PredType::NATIVE_UINT8; }
};
template <>
struct Hdf5Types<uint64_t> {
  static const H5::PredType& File() { return H5::PredType::STD_U64LE; }
  static const H5::PredType& Memory() { return H5::PredType::NATIVE_UINT64; }
};

H5::StrType Utf8StringType() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

herr_t KeepInnermost(unsigned n, const H5E_error2_t* error, void* data) {
  if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
  return 0;
}

// The C++ exception says which wrapper failed; the innermost entry of the C error stack says
// why (e.g. "unable to open file: ... errno = 2").
std::string Describe(const H5::Exception& e) {
  std::string innermost;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepInnermost, &innermost);
  std::string text = e.getDetailMsg();
  if (!innermost.empty() && innermost != text) text += " (" + innermost + ")";
  return text;
}

// ---------------------------------------------------------------------------------------------
// Writing.

class Writer {
 public:
  explicit Writer(std::string target) : target_(std::move(target)) {
    utf8_links_.setCharEncoding(H5T_CSET_UTF8);
  }

  // The object being written when an HDF5 call failed, for the error message.
  const std::string& object() const { return object_; }

  void WriteAll(const H5::H5File& file, const StoreContents& contents) {
    object_ = "/";
    H5::Group root = file.openGroup("/");
    WriteAttribute(root, kLayoutVersionAttr, int32_t{Hdf5Store::kLayoutVersion});
    for (const auto& [key, value] : contents.attributes) WriteAttribute(root, key, value);

    WriteCity(CreateGroup(root, "", "city"), contents.city);
    WriteFlows(CreateGroup(root, "", "flows"), SortedRows(contents.flows, FlowLess));
    WriteMeasurements(CreateGroup(root, "", "measurements"),
                      SortedRows(contents.measurements, MeasurementLess));
    {
      H5::Group estimates = CreateGroup(root, "", "estimates");
      WriteEstimates(CreateGroup(estimates, "/estimates", "site"),
                     SortedRows(contents.site_estimates, EstimateLess));
      WriteDistrictEstimates(CreateGroup(estimates, "/estimates", "district"),
                             "/estimates/district",
                             SortedRows(contents.district_estimates, DistrictEstimateLess));
      WriteDistrictEstimates(CreateGroup(estimates, "/estimates", "district_week"),
                             "/estimates/district_week",
                             SortedRows(contents.district_week_estimates, DistrictEstimateLess));
      WriteDistrictGroups(estimates, contents.district_groups);
      WriteFlags(estimates, SortedRows(contents.estimate_flags, FlagLess));
    }
    if (contents.truth) WriteTruth(CreateGroup(root, "", "truth"), *contents.truth);
  }

 private:
  H5::Group CreateGroup(const H5::Group& parent, const std::string& parent_path,
                        const std::string& name) {
    object_ = Join(parent_path, name);
    return parent.createGroup(name, utf8_links_);
  }

  H5::DataSet CreateColumn(const H5::Group& group, const std::string& group_path,
                           const std::string& name, const H5::DataType& file_type, hsize_t rows) {
    object_ = Join(group_path, name);
    H5::DataSpace space(1, &rows);
    H5::DSetCreatPropList layout;
    // No modification times in object headers: the same contents give the same bytes.
    if (H5Pset_obj_track_times(layout.getId(), false) < 0) {
      throw H5::PropListIException("H5Pset_obj_track_times", "failed");
    }
    if (rows >= kChunkThresholdRows) {
      const hsize_t chunk_rows = std::min(rows, kChunkRows);
      layout.setChunk(1, &chunk_rows);
      if (H5Zfilter_avail(H5Z_FILTER_SHUFFLE) > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        layout.setShuffle();
        layout.setDeflate(kDeflateLevel);
      }
    }
    return group.createDataSet(name, file_type, space, layout, H5::DSetAccPropList::DEFAULT,
                               utf8_links_);
  }

  template <typename T>
  H5::DataSet WriteColumn(const H5::Group& group, const std::string& group_path,
                          const std::string& name, const std::vector<T>& values,
                          const char* units) {
    static_assert(std::is_arithmetic_v<T>, "numeric columns only");
    H5::DataSet dataset =
        CreateColumn(group, group_path, name, Hdf5Types<T>::File(), values.size());
    if (!values.empty()) dataset.write(values.data(), Hdf5Types<T>::Memory());
    WriteAttribute(dataset, "units", std::string(units));
    return dataset;
  }

  void WriteColumn(const H5::Group& group, const std::string& group_path, const std::string& name,
                   const std::vector<std::string>& values) {
    const H5::StrType type = Utf8StringType();
    H5::DataSet dataset = CreateColumn(group, group_path, name, type, values.size());
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) {
      CheckNoNul(value);
      pointers.push_back(value.c_str());
    }
    if (!pointers.empty()) dataset.write(pointers.data(), type);
  }

  // Day columns also carry their first and last dates, for people reading h5dump output.
  void WriteDayColumn(const H5::Group& group, const std::string& group_path,
                      const std::string& name, const std::vector<int32_t>& days) {
    H5::DataSet dataset = WriteColumn(group, group_path, name, days, kUnitsDay);
    if (days.empty()) return;
    const auto [first, last] = std::minmax_element(days.begin(), days.end());
    WriteAttribute(dataset, "first_date", FormatIsoDate(*first));
    WriteAttribute(dataset, "last_date", FormatIsoDate(*last));
  }

  void WriteAttribute(const H5::H5Object& object, const std::string& name,
                      const std::string& value) {
    CheckNoNul(value);
    const H5::StrType type = Utf8StringType();
    H5::Attribute attribute = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
    attribute.write(type, value);
  }

  template <typename T>
  void WriteAttribute(const H5::H5Object& object, const std::string& name, T value) {
    H5::Attribute attribute =
        object.createAttribute(name, Hdf5Types<T>::File(), H5::DataSpace(H5S_SCALAR));
    attribute.write(Hdf5Types<T>::Memory(), &value);
  }

  void WriteCity(const H5::Group& city_group, const City& city) {
    WriteAttribute(city_group, "name", city.name);
    {
      const std::string path = "/city/districts";
      H5::Group group = CreateGroup(city_group, "/city", "districts");
      Rows<District> rows;
      for (const District& d : city.districts) rows.push_back(&d);
      WriteColumn(group, path, "id", Column<std::string>(rows, [](auto& d) { return d.id; }));
      WriteColumn(group, path, "name", Column<std::string>(rows, [](auto& d) { return d.name; }));
      WriteColumn(group, path, "population",
                  Column<double>(rows, [](auto& d) { return d.population; }), kUnitsInhabitants);
      WriteColumn(group, path, "area_km2", Column<double>(rows, [](auto& d) { return d.area_km2; }),
                  "km2");
      WriteColumn(group, path, "registered_users",
                  Column<int32_t>(rows, [](auto& d) { return d.registered_users.value_or(-1); }),
                  "persons");
      WriteColumn(group, path, "outlet_node",
                  Column<std::string>(rows, [](auto& d) { return d.outlet_node; }));
    }
    {
      H5::Group network = CreateGroup(city_group, "/city", "network");
      WriteColumn(network, "/city/network", "nodes", city.nodes);
      const std::string path = "/city/network/edges";
      H5::Group group = CreateGroup(network, "/city/network", "edges");
      Rows<SewerEdge> rows;
      for (const SewerEdge& e : city.edges) rows.push_back(&e);
      WriteColumn(group, path, "from_node",
                  Column<std::string>(rows, [](auto& e) { return e.from_node; }));
      WriteColumn(group, path, "to_node",
                  Column<std::string>(rows, [](auto& e) { return e.to_node; }));
      WriteColumn(group, path, "travel_time_h",
                  Column<double>(rows, [](auto& e) { return e.travel_time_h; }), "h");
      WriteColumn(group, path, "sewer_type", Column<std::string>(rows, [](auto& e) {
                    return std::string(SewerTypeName(e.sewer_type));
                  }));
    }
    {
      const std::string path = "/city/sites";
      H5::Group group = CreateGroup(city_group, "/city", "sites");
      Rows<SamplingSite> rows;
      for (const SamplingSite& s : city.sites) rows.push_back(&s);
      WriteColumn(group, path, "id", Column<std::string>(rows, [](auto& s) { return s.id; }));
      WriteColumn(group, path, "name", Column<std::string>(rows, [](auto& s) { return s.name; }));
      WriteColumn(group, path, "kind", Column<std::string>(rows, [](auto& s) {
                    return std::string(SiteKindName(s.kind));
                  }));
      WriteColumn(group, path, "node", Column<std::string>(rows, [](auto& s) { return s.node; }));
    }
  }

  // Opens, creating on first use, the group at root_path/ids[0]/ids[1]/...; sets *path to its
  // path. Rows arrive sorted, so each group is created once and only parents are reopened.
  H5::Group GroupAt(const H5::Group& root, const std::string& root_path,
                    std::initializer_list<std::string> ids, std::string* path) {
    return GroupAt(root, root_path, ids.begin(), ids.end(), path);
  }

  H5::Group GroupAt(const H5::Group& parent, const std::string& parent_path,
                    const std::string* first_id, const std::string* end_id, std::string* path) {
    if (first_id == end_id) {
      *path = parent_path;
      return parent;
    }
    const std::string child_path = Join(parent_path, *first_id);
    object_ = child_path;
    const H5::Group child = parent.nameExists(*first_id)
                                ? parent.openGroup(*first_id)
                                : CreateGroup(parent, parent_path, *first_id);
    return GroupAt(child, child_path, first_id + 1, end_id, path);
  }

  void WriteFlows(const H5::Group& root, const Rows<FlowRecord>& sorted) {
    auto key = [](const FlowRecord& r) { return std::tie(r.site_id); };
    ForEachRun(sorted, key, [&](const Rows<FlowRecord>& rows) {
      std::string path;
      const H5::Group group = GroupAt(root, "/flows", {rows.front()->site_id}, &path);
      WriteDayColumn(group, path, "day", Column<int32_t>(rows, [](auto& r) { return r.day; }));
      WriteColumn(group, path, "flow_m3_per_day",
                  Column<double>(rows, [](auto& r) { return r.flow_m3_per_day; }), "m3/day");
      WriteColumn(group, path, "rain_mm", Column<double>(rows, [](auto& r) { return r.rain_mm; }),
                  "mm");
      WriteColumn(group, path, "cod_mg_per_l",
                  Column<double>(rows, [](auto& r) { return r.cod_mg_per_l; }), kUnitsMgPerL);
      WriteColumn(group, path, "nh4_n_mg_per_l",
                  Column<double>(rows, [](auto& r) { return r.nh4_n_mg_per_l; }), kUnitsMgPerL);
    });
  }

  void WriteMeasurements(const H5::Group& root, const Rows<Measurement>& sorted) {
    auto key = [](const Measurement& m) { return std::tie(m.site_id, m.analyte); };
    ForEachRun(sorted, key, [&](const Rows<Measurement>& rows) {
      std::string path;
      const H5::Group group =
          GroupAt(root, "/measurements", {rows.front()->site_id, rows.front()->analyte}, &path);
      WriteDayColumn(group, path, "day", Column<int32_t>(rows, [](auto& r) { return r.day; }));
      WriteColumn(group, path, "concentration_ng_per_l",
                  Column<double>(rows, [](auto& r) { return r.concentration_ng_per_l; }),
                  kUnitsNgPerL);
      WriteColumn(group, path, "censored",
                  Column<uint8_t>(rows, [](auto& r) { return r.censored ? 1 : 0; }),
                  kUnitsDimensionless);
      WriteColumn(group, path, "loq_ng_per_l",
                  Column<double>(rows, [](auto& r) { return r.loq_ng_per_l; }), kUnitsNgPerL);
      WriteColumn(group, path, "batch_id",
                  Column<std::string>(rows, [](auto& r) { return r.batch_id; }));
      WriteColumn(group, path, "qc_flags",
                  Column<std::string>(rows, [](auto& r) { return r.qc_flags; }));
    });
  }

  // A value that is the same on every row of the group becomes a group attribute; otherwise
  // it is a column of the same name.
  template <typename T, typename Row, typename Get>
  void WriteConstantOrColumn(const H5::Group& group, const std::string& path, const char* name,
                             const Rows<Row>& rows, Get get) {
    const std::vector<T> values = Column<T>(rows, get);
    const bool constant =
        std::all_of(values.begin(), values.end(), [&](const T& v) { return v == values.front(); });
    if (constant) {
      object_ = path;
      WriteAttribute(group, name, values.front());
    } else if constexpr (std::is_same_v<T, std::string>) {
      WriteColumn(group, path, name, values);
    } else {
      WriteColumn(group, path, name, values, kUnitsDimensionless);
    }
  }

  void WriteEstimateGroup(const H5::Group& group, const std::string& path,
                          const Rows<SiteDayEstimate>& rows) {
    WriteDayColumn(group, path, "day", Column<int32_t>(rows, [](auto& r) { return r.day; }));
    WriteColumn(group, path, "censored",
                Column<uint8_t>(rows, [](auto& r) { return r.censored ? 1 : 0; }),
                kUnitsDimensionless);
    WriteColumn(group, path, "population",
                Column<double>(rows, [](auto& r) { return r.population; }), kUnitsInhabitants);
    for (const QuantityColumns<SiteDayEstimate>& q : kQuantities) {
      for (const SummaryColumn& s : kSummaries) {
        WriteColumn(group, path, std::string(q.name) + s.suffix,
                    Column<double>(rows, [&](auto& r) { return r.*q.member.*s.member; }), q.units);
      }
    }
    WriteColumn(group, path, "batch_ids",
                Column<std::string>(rows, [](auto& r) { return r.batch_ids; }));
    WriteColumn(group, path, "note", Column<std::string>(rows, [](auto& r) { return r.note; }));
    WriteConstantOrColumn<std::string>(group, path, "catalogue_version", rows,
                                       [](auto& r) { return r.catalogue_version; });
    WriteConstantOrColumn<int32_t>(group, path, "draws", rows, [](auto& r) { return r.draws; });
    WriteConstantOrColumn<uint64_t>(group, path, "seed", rows, [](auto& r) { return r.seed; });
  }

  void WriteEstimates(const H5::Group& root, const Rows<SiteDayEstimate>& sorted) {
    auto key = [](const SiteDayEstimate& e) { return std::tie(e.site_id, e.drug, e.biomarker); };
    ForEachRun(sorted, key, [&](const Rows<SiteDayEstimate>& rows) {
      const SiteDayEstimate& first = *rows.front();
      std::string path;
      const H5::Group group =
          GroupAt(root, "/estimates/site", {first.site_id, first.drug, first.biomarker}, &path);
      WriteEstimateGroup(group, path, rows);
    });
  }

  void WriteDistrictEstimateGroup(const H5::Group& group, const std::string& path,
                                  const Rows<DistrictEstimate>& rows) {
    WriteColumn(group, path, "district_ids",
                Column<std::string>(rows, [](auto& r) { return r.district_ids; }));
    WriteColumn(group, path, "resolved",
                Column<uint8_t>(rows, [](auto& r) { return r.resolved ? 1 : 0; }),
                kUnitsDimensionless);
    WriteColumn(group, path, "biomarker",
                Column<std::string>(rows, [](auto& r) { return r.biomarker; }));
    WriteDayColumn(group, path, "day", Column<int32_t>(rows, [](auto& r) { return r.start_day; }));
    WriteColumn(group, path, "population",
                Column<double>(rows, [](auto& r) { return r.population; }), kUnitsInhabitants);
    WriteColumn(group, path, "observations",
                Column<int32_t>(rows, [](auto& r) { return r.observations; }), kUnitsDimensionless);
    WriteColumn(group, path, "censored_observations",
                Column<int32_t>(rows, [](auto& r) { return r.censored_observations; }),
                kUnitsDimensionless);
    WriteColumn(group, path, "flagged_observations",
                Column<int32_t>(rows, [](auto& r) { return r.flagged_observations; }),
                kUnitsDimensionless);
    for (const QuantityColumns<DistrictEstimate>& q : kDistrictQuantities) {
      for (const SummaryColumn& s : kSummaries) {
        WriteColumn(group, path, std::string(q.name) + s.suffix,
                    Column<double>(rows, [&](auto& r) { return r.*q.member.*s.member; }), q.units);
      }
    }
    WriteColumn(group, path, "consumption_p05_given_parameters",
                Column<double>(rows, [](auto& r) { return r.consumption_p05_given_parameters; }),
                kUnitsMgPerDay);
    WriteColumn(group, path, "consumption_p95_given_parameters",
                Column<double>(rows, [](auto& r) { return r.consumption_p95_given_parameters; }),
                kUnitsMgPerDay);
    WriteColumn(group, path, "batch_ids",
                Column<std::string>(rows, [](auto& r) { return r.batch_ids; }));
    WriteColumn(group, path, "note", Column<std::string>(rows, [](auto& r) { return r.note; }));
    WriteConstantOrColumn<std::string>(group, path, "catalogue_version", rows,
                                       [](auto& r) { return r.catalogue_version; });
    WriteConstantOrColumn<int32_t>(group, path, "draws", rows, [](auto& r) { return r.draws; });
    WriteConstantOrColumn<uint64_t>(group, path, "seed", rows, [](auto& r) { return r.seed; });
  }

  // /estimates/district and /estimates/district_week: one group per district group and drug.
  void WriteDistrictEstimates(const H5::Group& root, const std::string& root_path,
                              const Rows<DistrictEstimate>& sorted) {
    auto key = [](const DistrictEstimate& e) { return std::tie(e.group_id, e.drug); };
    ForEachRun(sorted, key, [&](const Rows<DistrictEstimate>& rows) {
      std::string path;
      const H5::Group group =
          GroupAt(root, root_path, {rows.front()->group_id, rows.front()->drug}, &path);
      WriteDistrictEstimateGroup(group, path, rows);
    });
  }

  void WriteDistrictGroups(const H5::Group& estimates, const std::vector<DistrictGroup>& groups) {
    const std::string path = "/estimates/groups";
    H5::Group group = CreateGroup(estimates, "/estimates", "groups");
    Rows<DistrictGroup> rows;
    for (const DistrictGroup& g : groups) rows.push_back(&g);
    WriteColumn(group, path, "district_ids", Column<std::string>(rows, [](auto& g) {
                  return JoinStrings(g.district_ids, ",");
                }));
    WriteColumn(group, path, "site_ids",
                Column<std::string>(rows, [](auto& g) { return JoinStrings(g.site_ids, ","); }));
    WriteColumn(group, path, "resolved",
                Column<uint8_t>(rows, [](auto& g) { return g.resolved ? 1 : 0; }),
                kUnitsDimensionless);
    WriteColumn(group, path, "unobserved",
                Column<uint8_t>(rows, [](auto& g) { return g.unobserved ? 1 : 0; }),
                kUnitsDimensionless);
  }

  void WriteFlags(const H5::Group& estimates, const Rows<EstimateFlag>& rows) {
    const std::string path = "/estimates/flags";
    H5::Group group = CreateGroup(estimates, "/estimates", "flags");
    WriteColumn(group, path, "kind", Column<std::string>(rows, [](auto& f) { return f.kind; }));
    WriteColumn(group, path, "site_id",
                Column<std::string>(rows, [](auto& f) { return f.site_id; }));
    WriteDayColumn(group, path, "day", Column<int32_t>(rows, [](auto& f) { return f.day; }));
    WriteColumn(group, path, "drug", Column<std::string>(rows, [](auto& f) { return f.drug; }));
    WriteColumn(group, path, "biomarker",
                Column<std::string>(rows, [](auto& f) { return f.biomarker; }));
    WriteColumn(group, path, "value", Column<double>(rows, [](auto& f) { return f.value; }),
                kUnitsDimensionless);
    WriteColumn(group, path, "expected", Column<double>(rows, [](auto& f) { return f.expected; }),
                kUnitsDimensionless);
    WriteColumn(group, path, "batch_ids",
                Column<std::string>(rows, [](auto& f) { return f.batch_ids; }));
    WriteColumn(group, path, "message",
                Column<std::string>(rows, [](auto& f) { return f.message; }));
  }

  void WriteTruth(const H5::Group& truth, const GroundTruth& contents) {
    {
      const H5::Group root = CreateGroup(truth, "/truth", "districts");
      auto key = [](const DistrictDayTruth& t) { return std::tie(t.district_id, t.drug); };
      ForEachRun(
          SortedRows(contents.districts, DistrictTruthLess), key,
          [&](const Rows<DistrictDayTruth>& rows) {
            std::string path;
            const H5::Group group = GroupAt(root, "/truth/districts",
                                            {rows.front()->district_id, rows.front()->drug}, &path);
            WriteDayColumn(group, path, "day",
                           Column<int32_t>(rows, [](auto& r) { return r.day; }));
            WriteColumn(group, path, "consumption_mg",
                        Column<double>(rows, [](auto& r) { return r.consumption_mg; }), "mg");
          });
    }
    {
      const H5::Group root = CreateGroup(truth, "/truth", "sites");
      auto key = [](const SiteDayTruth& t) { return std::tie(t.site_id, t.biomarker); };
      ForEachRun(
          SortedRows(contents.sites, SiteTruthLess), key, [&](const Rows<SiteDayTruth>& rows) {
            std::string path;
            const H5::Group group = GroupAt(
                root, "/truth/sites", {rows.front()->site_id, rows.front()->biomarker}, &path);
            WriteDayColumn(group, path, "day",
                           Column<int32_t>(rows, [](auto& r) { return r.day; }));
            WriteColumn(group, path, "load_mg_per_day",
                        Column<double>(rows, [](auto& r) { return r.load_mg_per_day; }),
                        kUnitsMgPerDay);
            WriteColumn(group, path, "concentration_ng_per_l",
                        Column<double>(rows, [](auto& r) { return r.concentration_ng_per_l; }),
                        kUnitsNgPerL);
          });
    }
    {
      const std::string path = "/truth/events";
      H5::Group group = CreateGroup(truth, "/truth", "events");
      Rows<InjectedEvent> rows;
      for (const InjectedEvent& e : contents.events) rows.push_back(&e);
      WriteColumn(group, path, "kind", Column<std::string>(rows, [](auto& e) { return e.kind; }));
      WriteColumn(group, path, "district_id",
                  Column<std::string>(rows, [](auto& e) { return e.district_id; }));
      WriteColumn(group, path, "site_id",
                  Column<std::string>(rows, [](auto& e) { return e.site_id; }));
      WriteColumn(group, path, "drug", Column<std::string>(rows, [](auto& e) { return e.drug; }));
      WriteColumn(group, path, "start_day",
                  Column<int32_t>(rows, [](auto& e) { return e.start_day; }), kUnitsDay);
      WriteColumn(group, path, "end_day", Column<int32_t>(rows, [](auto& e) { return e.end_day; }),
                  kUnitsDay);
      WriteColumn(group, path, "magnitude",
                  Column<double>(rows, [](auto& e) { return e.magnitude; }),
                  "1 (surge multiplier) or mg (dumping)");
      WriteColumn(group, path, "description",
                  Column<std::string>(rows, [](auto& e) { return e.description; }));
    }
  }

  // HDF5 strings are NUL-terminated: an embedded NUL would silently cut the text short.
  void CheckNoNul(const std::string& value) const {
    if (value.find('\0') != std::string::npos) {
      throw InputError(target_, 0, object_, "text contains a NUL byte, which HDF5 would truncate");
    }
  }

  std::string target_;
  H5::LinkCreatPropList utf8_links_;
  std::string object_;
};

// ---------------------------------------------------------------------------------------------
// Reading.

constexpr size_t kAnyLength = std::numeric_limits<size_t>::max();

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  const std::string& object() const { return object_; }

  StoreContents ReadAll(const H5::H5File& file) {
    object_ = "/";
    H5::Group root = file.openGroup("/");
    CheckLayoutVersion(root);
    StoreContents contents;
    contents.attributes = ReadRootAttributes(root);
    contents.city = ReadCity(OpenGroup(root, "", "city"));
    ReadFlows(OpenGroup(root, "", "flows"), &contents.flows);
    ReadMeasurements(OpenGroup(root, "", "measurements"), &contents.measurements);
    {
      H5::Group estimates = OpenGroup(root, "", "estimates");
      ReadEstimates(OpenGroup(estimates, "/estimates", "site"), &contents.site_estimates);
      // The network inversion's groups came later within layout version 1: files written
      // before them lack these groups, which then read as empty.
      if (estimates.nameExists("district")) {
        ReadDistrictEstimates(OpenGroup(estimates, "/estimates", "district"), "/estimates/district",
                              1, &contents.district_estimates);
      }
      if (estimates.nameExists("district_week")) {
        ReadDistrictEstimates(OpenGroup(estimates, "/estimates", "district_week"),
                              "/estimates/district_week", 7, &contents.district_week_estimates);
      }
      if (estimates.nameExists("groups")) {
        ReadDistrictGroups(OpenGroup(estimates, "/estimates", "groups"), &contents.district_groups);
      }
      if (estimates.nameExists("flags")) {
        ReadFlags(OpenGroup(estimates, "/estimates", "flags"), &contents.estimate_flags);
      }
    }
    if (root.nameExists("truth")) contents.truth = ReadTruth(OpenGroup(root, "", "truth"));
    NormaliseOrder(&contents);
    return contents;
  }

 private:
  [[noreturn]] void Fail(const std::string& object, const std::string& message) const {
    throw InputError(path_, 0, object, message);
  }

  H5::Group OpenGroup(const H5::Group& parent, const std::string& parent_path,
                      const std::string& name) {
    object_ = Join(parent_path, name);
    if (!parent.nameExists(name)) Fail(object_, "missing group");
    if (parent.childObjType(name) != H5O_TYPE_GROUP) Fail(object_, "expected a group");
    return parent.openGroup(name);
  }

  // Names of the sub-groups that make up an id level (site ids, analytes, ...), in name order.
  // One H5Literate pass: looking children up by index is linear per call in old-style groups.
  std::vector<std::string> ChildGroups(const H5::Group& group, const std::string& path) {
    object_ = path;
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
      static_cast<std::vector<std::string>*>(data)->emplace_back(name);
      return 0;
    };
    if (H5Literate(group.getId(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0) {
      throw H5::GroupIException("H5Literate", "cannot list the group");
    }
    for (const std::string& name : names) {
      object_ = Join(path, name);
      if (group.childObjType(name) != H5O_TYPE_GROUP) {
        Fail(object_, "expected a group named by an id");
      }
    }
    return names;
  }

  bool HasDataset(const H5::Group& group, const std::string& name) const {
    return group.nameExists(name) && group.childObjType(name) == H5O_TYPE_DATASET;
  }

  // Opens a 1-D dataset and checks its length against *rows (or sets it when unknown).
  H5::DataSet OpenColumn(const H5::Group& group, const std::string& group_path,
                         const std::string& name, size_t* rows) {
    object_ = Join(group_path, name);
    if (!group.nameExists(name)) Fail(object_, "missing dataset");
    if (group.childObjType(name) != H5O_TYPE_DATASET) Fail(object_, "expected a dataset");
    H5::DataSet dataset = group.openDataSet(name);
    const H5::DataSpace space = dataset.getSpace();
    if (space.getSimpleExtentNdims() != 1) Fail(object_, "expected a 1-D dataset");
    hsize_t length = 0;
    space.getSimpleExtentDims(&length);
    if (*rows == kAnyLength) {
      *rows = static_cast<size_t>(length);
    } else if (length != *rows) {
      Fail(object_, "has " + std::to_string(length) + " rows, expected " + std::to_string(*rows) +
                        " like the other columns of the group");
    }
    return dataset;
  }

  size_t Length(const H5::Group& group, const std::string& group_path, const std::string& name) {
    size_t rows = kAnyLength;
    OpenColumn(group, group_path, name, &rows);
    return rows;
  }

  template <typename T>
  std::vector<T> ReadNumbers(const H5::Group& group, const std::string& group_path,
                             const std::string& name, size_t rows) {
    H5::DataSet dataset = OpenColumn(group, group_path, name, &rows);
    const H5T_class_t type_class = dataset.getTypeClass();
    const bool integer_ok = type_class == H5T_INTEGER;
    if (!(integer_ok || (std::is_floating_point_v<T> && type_class == H5T_FLOAT))) {
      Fail(object_, std::is_floating_point_v<T> ? "expected a numeric dataset"
                                                : "expected an integer dataset");
    }
    std::vector<T> values(rows);
    if (rows > 0) dataset.read(values.data(), Hdf5Types<T>::Memory());
    return values;
  }

  std::vector<std::string> ReadStrings(const H5::Group& group, const std::string& group_path,
                                       const std::string& name, size_t rows) {
    H5::DataSet dataset = OpenColumn(group, group_path, name, &rows);
    if (dataset.getTypeClass() != H5T_STRING) Fail(object_, "expected a string dataset");
    const H5::StrType file_type = dataset.getStrType();
    if (!file_type.isVariableStr()) Fail(object_, "expected variable-length strings");
    H5::StrType memory_type(H5::PredType::C_S1, H5T_VARIABLE);
    memory_type.setCset(file_type.getCset());
    std::vector<char*> raw(rows, nullptr);
    std::vector<std::string> values;
    if (rows == 0) return values;
    const H5::DataSpace space = dataset.getSpace();
    dataset.read(raw.data(), memory_type);
    // Frees the library-allocated strings even if copying them throws.
    struct Reclaim {
      const H5::DataType& type;
      const H5::DataSpace& space;
      std::vector<char*>& raw;
      ~Reclaim() { H5Dvlen_reclaim(type.getId(), space.getId(), H5P_DEFAULT, raw.data()); }
    } reclaim{memory_type, space, raw};
    values.reserve(rows);
    for (const char* text : raw) values.emplace_back(text != nullptr ? text : "");
    return values;
  }

  H5::Attribute OpenAttribute(const H5::H5Object& object, const std::string& object_path,
                              const std::string& name) {
    object_ = object_path;
    if (!object.attrExists(name)) Fail(object_, "missing attribute '" + name + "'");
    return object.openAttribute(name);
  }

  std::string ReadStringAttribute(const H5::H5Object& object, const std::string& object_path,
                                  const std::string& name) {
    H5::Attribute attribute = OpenAttribute(object, object_path, name);
    if (attribute.getTypeClass() != H5T_STRING) {
      Fail(object_, "attribute '" + name + "' is not a string");
    }
    std::string value;
    attribute.read(attribute.getStrType(), value);
    return value;
  }

  template <typename T>
  T ReadNumberAttribute(const H5::H5Object& object, const std::string& object_path,
                        const std::string& name) {
    H5::Attribute attribute = OpenAttribute(object, object_path, name);
    if (attribute.getTypeClass() != H5T_INTEGER ||
        attribute.getSpace().getSimpleExtentNpoints() != 1) {
      Fail(object_, "attribute '" + name + "' is not a scalar integer");
    }
    T value{};
    attribute.read(Hdf5Types<T>::Memory(), &value);
    return value;
  }

  // The counterpart of Writer::WriteConstantOrColumn.
  template <typename T>
  std::vector<T> ReadConstantOrColumn(const H5::Group& group, const std::string& path,
                                      const std::string& name, size_t rows) {
    if (HasDataset(group, name)) {
      if constexpr (std::is_same_v<T, std::string>) {
        return ReadStrings(group, path, name, rows);
      } else {
        return ReadNumbers<T>(group, path, name, rows);
      }
    }
    if (!group.attrExists(name)) {
      Fail(path, "missing '" + name + "' (neither a dataset nor a group attribute)");
    }
    if constexpr (std::is_same_v<T, std::string>) {
      return std::vector<T>(rows, ReadStringAttribute(group, path, name));
    } else {
      return std::vector<T>(rows, ReadNumberAttribute<T>(group, path, name));
    }
  }

  void CheckLayoutVersion(const H5::Group& root) {
    if (!root.attrExists(kLayoutVersionAttr)) {
      Fail("/", std::string("missing root attribute ") + kLayoutVersionAttr + ": not a wbe store");
    }
    const int32_t version = ReadNumberAttribute<int32_t>(root, "/", kLayoutVersionAttr);
    if (version != Hdf5Store::kLayoutVersion) {
      Fail("/", "layout version " + std::to_string(version) +
                    " is not supported (this build reads version " +
                    std::to_string(Hdf5Store::kLayoutVersion) + ")");
    }
  }

  std::map<std::string, std::string> ReadRootAttributes(const H5::Group& root) {
    std::map<std::string, std::string> attributes;
    const int count = root.getNumAttrs();
    for (int i = 0; i < count; ++i) {
      object_ = "/";
      H5::Attribute attribute = root.openAttribute(static_cast<unsigned>(i));
      const std::string name = attribute.getName();
      // Only string attributes belong to the map; the layout version and any foreign numeric
      // attributes are not part of it.
      if (name == kLayoutVersionAttr || attribute.getTypeClass() != H5T_STRING) continue;
      std::string value;
      attribute.read(attribute.getStrType(), value);
      attributes.emplace(name, std::move(value));
    }
    return attributes;
  }

  City ReadCity(const H5::Group& city_group) {
    City city;
    city.name = ReadStringAttribute(city_group, "/city", "name");
    {
      const std::string path = "/city/districts";
      H5::Group group = OpenGroup(city_group, "/city", "districts");
      const size_t n = Length(group, path, "id");
      const auto ids = ReadStrings(group, path, "id", n);
      const auto names = ReadStrings(group, path, "name", n);
      const auto population = ReadNumbers<double>(group, path, "population", n);
      const auto area = ReadNumbers<double>(group, path, "area_km2", n);
      const auto users = ReadNumbers<int32_t>(group, path, "registered_users", n);
      const auto outlets = ReadStrings(group, path, "outlet_node", n);
      for (size_t i = 0; i < n; ++i) {
        District d;
        d.id = ids[i];
        d.name = names[i];
        d.population = population[i];
        d.area_km2 = area[i];
        if (users[i] < -1) {
          Fail(Join(path, "registered_users"), "row " + std::to_string(i) + " holds " +
                                                   std::to_string(users[i]) +
                                                   "; only -1 (unknown) may be negative");
        }
        if (users[i] >= 0) d.registered_users = users[i];
        d.outlet_node = outlets[i];
        city.districts.push_back(std::move(d));
      }
    }
    {
      H5::Group network = OpenGroup(city_group, "/city", "network");
      city.nodes = ReadStrings(network, "/city/network", "nodes", kAnyLength);
      const std::string path = "/city/network/edges";
      H5::Group group = OpenGroup(network, "/city/network", "edges");
      const size_t n = Length(group, path, "from_node");
      const auto from = ReadStrings(group, path, "from_node", n);
      const auto to = ReadStrings(group, path, "to_node", n);
      const auto hours = ReadNumbers<double>(group, path, "travel_time_h", n);
      const auto types = ReadStrings(group, path, "sewer_type", n);
      for (size_t i = 0; i < n; ++i) {
        SewerEdge e;
        e.from_node = from[i];
        e.to_node = to[i];
        e.travel_time_h = hours[i];
        try {
          e.sewer_type = ParseSewerType(types[i]);
        } catch (const std::invalid_argument& error) {
          Fail(Join(path, "sewer_type"), "row " + std::to_string(i) + ": " + error.what());
        }
        city.edges.push_back(std::move(e));
      }
    }
    {
      const std::string path = "/city/sites";
      H5::Group group = OpenGroup(city_group, "/city", "sites");
      const size_t n = Length(group, path, "id");
      const auto ids = ReadStrings(group, path, "id", n);
      const auto names = ReadStrings(group, path, "name", n);
      const auto kinds = ReadStrings(group, path, "kind", n);
      const auto nodes = ReadStrings(group, path, "node", n);
      for (size_t i = 0; i < n; ++i) {
        SamplingSite s;
        s.id = ids[i];
        s.name = names[i];
        try {
          s.kind = ParseSiteKind(kinds[i]);
        } catch (const std::invalid_argument& error) {
          Fail(Join(path, "kind"), "row " + std::to_string(i) + ": " + error.what());
        }
        s.node = nodes[i];
        city.sites.push_back(std::move(s));
      }
    }
    return city;
  }

  void ReadFlows(const H5::Group& flows, std::vector<FlowRecord>* out) {
    for (const std::string& site_id : ChildGroups(flows, "/flows")) {
      const std::string path = Join("/flows", site_id);
      H5::Group group = OpenGroup(flows, "/flows", site_id);
      const size_t n = Length(group, path, "day");
      const auto days = ReadNumbers<int32_t>(group, path, "day", n);
      const auto flow = ReadNumbers<double>(group, path, "flow_m3_per_day", n);
      const auto rain = ReadNumbers<double>(group, path, "rain_mm", n);
      const auto cod = ReadNumbers<double>(group, path, "cod_mg_per_l", n);
      const auto nh4 = ReadNumbers<double>(group, path, "nh4_n_mg_per_l", n);
      for (size_t i = 0; i < n; ++i) {
        FlowRecord r;
        r.site_id = site_id;
        r.day = days[i];
        r.flow_m3_per_day = flow[i];
        r.rain_mm = rain[i];
        r.cod_mg_per_l = cod[i];
        r.nh4_n_mg_per_l = nh4[i];
        out->push_back(std::move(r));
      }
    }
  }

  void ReadMeasurements(const H5::Group& measurements, std::vector<Measurement>* out) {
    for (const std::string& site_id : ChildGroups(measurements, "/measurements")) {
      const std::string site_path = Join("/measurements", site_id);
      H5::Group site = OpenGroup(measurements, "/measurements", site_id);
      for (const std::string& analyte : ChildGroups(site, site_path)) {
        const std::string path = Join(site_path, analyte);
        H5::Group group = OpenGroup(site, site_path, analyte);
        const size_t n = Length(group, path, "day");
        const auto days = ReadNumbers<int32_t>(group, path, "day", n);
        const auto concentration = ReadNumbers<double>(group, path, "concentration_ng_per_l", n);
        const auto censored = ReadNumbers<uint8_t>(group, path, "censored", n);
        const auto loq = ReadNumbers<double>(group, path, "loq_ng_per_l", n);
        const auto batch = ReadStrings(group, path, "batch_id", n);
        const auto flags = ReadStrings(group, path, "qc_flags", n);
        for (size_t i = 0; i < n; ++i) {
          Measurement m;
          m.site_id = site_id;
          m.day = days[i];
          m.analyte = analyte;
          m.concentration_ng_per_l = concentration[i];
          m.censored = censored[i] != 0;
          m.loq_ng_per_l = loq[i];
          m.batch_id = batch[i];
          m.qc_flags = flags[i];
          out->push_back(std::move(m));
        }
      }
    }
  }

  void ReadEstimateGroup(const H5::Group& group, const std::string& path, const std::string& site,
                         const std::string& drug, const std::string& biomarker,
                         std::vector<SiteDayEstimate>* out) {
    const size_t n = Length(group, path, "day");
    const auto days = ReadNumbers<int32_t>(group, path, "day", n);
    const auto censored = ReadNumbers<uint8_t>(group, path, "censored", n);
    const auto population = ReadNumbers<double>(group, path, "population", n);
    std::vector<std::vector<double>> values;
    for (const QuantityColumns<SiteDayEstimate>& q : kQuantities) {
      for (const SummaryColumn& s : kSummaries) {
        values.push_back(ReadNumbers<double>(group, path, std::string(q.name) + s.suffix, n));
      }
    }
    const auto batch_ids = ReadStrings(group, path, "batch_ids", n);
    const auto notes = ReadStrings(group, path, "note", n);
    const auto versions = ReadConstantOrColumn<std::string>(group, path, "catalogue_version", n);
    const auto draws = ReadConstantOrColumn<int32_t>(group, path, "draws", n);
    const auto seeds = ReadConstantOrColumn<uint64_t>(group, path, "seed", n);
    for (size_t i = 0; i < n; ++i) {
      SiteDayEstimate e;
      e.site_id = site;
      e.day = days[i];
      e.drug = drug;
      e.biomarker = biomarker;
      e.censored = censored[i] != 0;
      e.population = population[i];
      size_t column = 0;
      for (const QuantityColumns<SiteDayEstimate>& q : kQuantities) {
        for (const SummaryColumn& s : kSummaries) e.*q.member.*s.member = values[column++][i];
      }
      e.batch_ids = batch_ids[i];
      e.catalogue_version = versions[i];
      e.draws = draws[i];
      e.seed = seeds[i];
      e.note = notes[i];
      out->push_back(std::move(e));
    }
  }

  void ReadEstimates(const H5::Group& by_site, std::vector<SiteDayEstimate>* out) {
    const std::string root = "/estimates/site";
    for (const std::string& site_id : ChildGroups(by_site, root)) {
      const std::string site_path = Join(root, site_id);
      H5::Group site = OpenGroup(by_site, root, site_id);
      for (const std::string& drug_name : ChildGroups(site, site_path)) {
        const std::string drug_path = Join(site_path, drug_name);
        H5::Group drug = OpenGroup(site, site_path, drug_name);
        for (const std::string& biomarker : ChildGroups(drug, drug_path)) {
          H5::Group group = OpenGroup(drug, drug_path, biomarker);
          ReadEstimateGroup(group, Join(drug_path, biomarker), site_id, drug_name, biomarker, out);
        }
      }
    }
  }

  void ReadDistrictEstimateGroup(const H5::Group& group, const std::string& path,
                                 const std::string& group_id, const std::string& drug, int days,
                                 std::vector<DistrictEstimate>* out) {
    const size_t n = Length(group, path, "day");
    const auto district_ids = ReadStrings(group, path, "district_ids", n);
    const auto resolved = ReadNumbers<uint8_t>(group, path, "resolved", n);
    const auto biomarkers = ReadStrings(group, path, "biomarker", n);
    const auto start_days = ReadNumbers<int32_t>(group, path, "day", n);
    const auto population = ReadNumbers<double>(group, path, "population", n);
    const auto observations = ReadNumbers<int32_t>(group, path, "observations", n);
    const auto censored = ReadNumbers<int32_t>(group, path, "censored_observations", n);
    const auto flagged = ReadNumbers<int32_t>(group, path, "flagged_observations", n);
    std::vector<std::vector<double>> values;
    for (const QuantityColumns<DistrictEstimate>& q : kDistrictQuantities) {
      for (const SummaryColumn& s : kSummaries) {
        values.push_back(ReadNumbers<double>(group, path, std::string(q.name) + s.suffix, n));
      }
    }
    const auto p05_given = ReadNumbers<double>(group, path, "consumption_p05_given_parameters", n);
    const auto p95_given = ReadNumbers<double>(group, path, "consumption_p95_given_parameters", n);
    const auto batch_ids = ReadStrings(group, path, "batch_ids", n);
    const auto notes = ReadStrings(group, path, "note", n);
    const auto versions = ReadConstantOrColumn<std::string>(group, path, "catalogue_version", n);
    const auto draws = ReadConstantOrColumn<int32_t>(group, path, "draws", n);
    const auto seeds = ReadConstantOrColumn<uint64_t>(group, path, "seed", n);
    for (size_t i = 0; i < n; ++i) {
      DistrictEstimate e;
      e.group_id = group_id;
      e.district_ids = district_ids[i];
      e.resolved = resolved[i] != 0;
      e.drug = drug;
      e.biomarker = biomarkers[i];
      e.start_day = start_days[i];
      e.days = days;
      e.population = population[i];
      e.observations = observations[i];
      e.censored_observations = censored[i];
      e.flagged_observations = flagged[i];
      size_t column = 0;
      for (const QuantityColumns<DistrictEstimate>& q : kDistrictQuantities) {
        for (const SummaryColumn& s : kSummaries) e.*q.member.*s.member = values[column++][i];
      }
      e.consumption_p05_given_parameters = p05_given[i];
      e.consumption_p95_given_parameters = p95_given[i];
      e.batch_ids = batch_ids[i];
      e.catalogue_version = versions[i];
      e.draws = draws[i];
      e.seed = seeds[i];
      e.note = notes[i];
      out->push_back(std::move(e));
    }
  }

  void ReadDistrictEstimates(const H5::Group& by_group, const std::string& root, int days,
                             std::vector<DistrictEstimate>* out) {
    for (const std::string& group_id : ChildGroups(by_group, root)) {
      const std::string group_path = Join(root, group_id);
      H5::Group district_group = OpenGroup(by_group, root, group_id);
      for (const std::string& drug : ChildGroups(district_group, group_path)) {
        H5::Group group = OpenGroup(district_group, group_path, drug);
        ReadDistrictEstimateGroup(group, Join(group_path, drug), group_id, drug, days, out);
      }
    }
  }

  void ReadDistrictGroups(const H5::Group& group, std::vector<DistrictGroup>* out) {
    const std::string path = "/estimates/groups";
    const size_t n = Length(group, path, "district_ids");
    const auto district_ids = ReadStrings(group, path, "district_ids", n);
    const auto site_ids = ReadStrings(group, path, "site_ids", n);
    const auto resolved = ReadNumbers<uint8_t>(group, path, "resolved", n);
    const auto unobserved = ReadNumbers<uint8_t>(group, path, "unobserved", n);
    for (size_t i = 0; i < n; ++i) {
      DistrictGroup g;
      g.district_ids = SplitStrings(district_ids[i], ',');
      g.site_ids = SplitStrings(site_ids[i], ',');
      g.resolved = resolved[i] != 0;
      g.unobserved = unobserved[i] != 0;
      out->push_back(std::move(g));
    }
  }

  void ReadFlags(const H5::Group& group, std::vector<EstimateFlag>* out) {
    const std::string path = "/estimates/flags";
    const size_t n = Length(group, path, "kind");
    const auto kinds = ReadStrings(group, path, "kind", n);
    const auto site_ids = ReadStrings(group, path, "site_id", n);
    const auto days = ReadNumbers<int32_t>(group, path, "day", n);
    const auto drugs = ReadStrings(group, path, "drug", n);
    const auto biomarkers = ReadStrings(group, path, "biomarker", n);
    const auto values = ReadNumbers<double>(group, path, "value", n);
    const auto expected = ReadNumbers<double>(group, path, "expected", n);
    const auto batch_ids = ReadStrings(group, path, "batch_ids", n);
    const auto messages = ReadStrings(group, path, "message", n);
    for (size_t i = 0; i < n; ++i) {
      EstimateFlag f;
      f.kind = kinds[i];
      f.site_id = site_ids[i];
      f.day = days[i];
      f.drug = drugs[i];
      f.biomarker = biomarkers[i];
      f.value = values[i];
      f.expected = expected[i];
      f.batch_ids = batch_ids[i];
      f.message = messages[i];
      out->push_back(std::move(f));
    }
  }

  GroundTruth ReadTruth(const H5::Group& truth) {
    GroundTruth result;
    {
      const std::string root = "/truth/districts";
      H5::Group districts = OpenGroup(truth, "/truth", "districts");
      for (const std::string& district_id : ChildGroups(districts, root)) {
        const std::string district_path = Join(root, district_id);
        H5::Group district = OpenGroup(districts, root, district_id);
        for (const std::string& drug : ChildGroups(district, district_path)) {
          const std::string path = Join(district_path, drug);
          H5::Group group = OpenGroup(district, district_path, drug);
          const size_t n = Length(group, path, "day");
          const auto days = ReadNumbers<int32_t>(group, path, "day", n);
          const auto consumption = ReadNumbers<double>(group, path, "consumption_mg", n);
          for (size_t i = 0; i < n; ++i) {
            result.districts.push_back({district_id, days[i], drug, consumption[i]});
          }
        }
      }
    }
    {
      const std::string root = "/truth/sites";
      H5::Group sites = OpenGroup(truth, "/truth", "sites");
      for (const std::string& site_id : ChildGroups(sites, root)) {
        const std::string site_path = Join(root, site_id);
        H5::Group site = OpenGroup(sites, root, site_id);
        for (const std::string& biomarker : ChildGroups(site, site_path)) {
          const std::string path = Join(site_path, biomarker);
          H5::Group group = OpenGroup(site, site_path, biomarker);
          const size_t n = Length(group, path, "day");
          const auto days = ReadNumbers<int32_t>(group, path, "day", n);
          const auto load = ReadNumbers<double>(group, path, "load_mg_per_day", n);
          const auto concentration = ReadNumbers<double>(group, path, "concentration_ng_per_l", n);
          for (size_t i = 0; i < n; ++i) {
            result.sites.push_back({site_id, days[i], biomarker, load[i], concentration[i]});
          }
        }
      }
    }
    {
      const std::string path = "/truth/events";
      H5::Group group = OpenGroup(truth, "/truth", "events");
      const size_t n = Length(group, path, "kind");
      const auto kinds = ReadStrings(group, path, "kind", n);
      const auto district_ids = ReadStrings(group, path, "district_id", n);
      const auto site_ids = ReadStrings(group, path, "site_id", n);
      const auto drugs = ReadStrings(group, path, "drug", n);
      const auto starts = ReadNumbers<int32_t>(group, path, "start_day", n);
      const auto ends = ReadNumbers<int32_t>(group, path, "end_day", n);
      const auto magnitudes = ReadNumbers<double>(group, path, "magnitude", n);
      const auto descriptions = ReadStrings(group, path, "description", n);
      for (size_t i = 0; i < n; ++i) {
        result.events.push_back({kinds[i], district_ids[i], site_ids[i], drugs[i], starts[i],
                                 ends[i], magnitudes[i], descriptions[i]});
      }
    }
    return result;
  }

  std::string path_;
  std::string object_;
};

// Clear messages for the two commonest mistakes, before HDF5 gets a chance to be cryptic.
void CheckReadable(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw InputError(path, 0, "", std::string("cannot open store: ") + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) throw InputError(path, 0, "", "is a directory, not a store file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) throw InputError(path, 0, "", "not an HDF5 file (no HDF5 signature)");
  if (is_hdf5 < 0) throw InputError(path, 0, "", "cannot open store: cannot check HDF5 signature");
}

}  // namespace

namespace {

// Read hands over rows that are already in order; checking is linear, sorting is not.
template <typename T, typename Less>
void SortIfNeeded(std::vector<T>* rows, Less less) {
  if (!std::is_sorted(rows->begin(), rows->end(), less))
    std::sort(rows->begin(), rows->end(), less);
}

}  // namespace

void NormaliseOrder(StoreContents* contents) {
  SortIfNeeded(&contents->flows, FlowLess);
  SortIfNeeded(&contents->measurements, MeasurementLess);
  SortIfNeeded(&contents->site_estimates, EstimateLess);
  SortIfNeeded(&contents->district_estimates, DistrictEstimateLess);
  SortIfNeeded(&contents->district_week_estimates, DistrictEstimateLess);
  SortIfNeeded(&contents->estimate_flags, FlagLess);
  if (contents->truth) {
    SortIfNeeded(&contents->truth->districts, DistrictTruthLess);
    SortIfNeeded(&contents->truth->sites, SiteTruthLess);
  }
}

void Hdf5Store::Write(const std::string& path, const StoreContents& contents) {
  ValidateForWrite(path, contents);
  const std::lock_guard<std::mutex> lock(LibraryMutex());
  H5::Exception::dontPrint();
  TempFile temp(path);
  Writer writer(path);
  try {
    // SEMI: closing fails loudly if some object were still open, instead of the file staying
    // open behind our back and being fsync'd half-written.
    H5::FileAccPropList access;
    access.setFcloseDegree(H5F_CLOSE_SEMI);
    // Most chunked columns hold a single chunk, and the default v1 B-tree node (istore_k 32)
    // costs ~2 KiB per dataset: more than compression saves. k = 2 cuts it to ~170 B; it needs
    // superblock version 1, which every HDF5 since 1.6 (and h5py) reads.
    H5::FileCreatPropList creation;
    creation.setIstorek(kChunkIndexK);
    H5::H5File file(temp.path(), H5F_ACC_TRUNC, creation, access);
    writer.WriteAll(file, contents);
    file.close();
  } catch (const H5::Exception& e) {
    throw std::runtime_error(Compose(path, writer.object(), "cannot write store: " + Describe(e)));
  }
  temp.Commit();
}

StoreContents Hdf5Store::Read(const std::string& path) {
  const std::lock_guard<std::mutex> lock(LibraryMutex());
  H5::Exception::dontPrint();
  CheckReadable(path);
  Reader reader(path);
  try {
    const H5::H5File file(path, H5F_ACC_RDONLY);
    return reader.ReadAll(file);
  } catch (const H5::Exception& e) {
    throw InputError(path, 0, reader.object(), "cannot read store: " + Describe(e));
  }
}

}  // namespace wbe
