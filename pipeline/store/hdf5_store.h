#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/backcalc/site_day_estimate.h"
#include "models/city/city.h"
#include "models/core/observations.h"
#include "models/inversion/district_estimate.h"
#include "models/network/identifiability.h"
#include "models/simulation/ground_truth.h"

namespace wbe {

// Everything one store file holds. The layout on disk is documented, group by group and
// dataset by dataset, in data-schemas/hdf5-store-layout.md.
struct StoreContents {
  // Free-form provenance written as root string attributes, e.g. catalogue_version, generator,
  // seed, created_utc. Keys must be non-empty and must not be "wbe_layout_version".
  std::map<std::string, std::string> attributes;
  City city;
  std::vector<FlowRecord> flows;
  std::vector<Measurement> measurements;
  std::vector<SiteDayEstimate> site_estimates;
  // The network inversion (`wbe estimate`): per district group, drug and day (days == 1) and
  // ISO week (days == 7); the identifiability groups of the sampling design; the flags.
  std::vector<DistrictEstimate> district_estimates;
  std::vector<DistrictEstimate> district_week_estimates;
  std::vector<DistrictGroup> district_groups;
  std::vector<EstimateFlag> estimate_flags;
  std::optional<GroundTruth> truth;  // simulated stores only; absent for real data
};

// Sorts the row vectors into the canonical order the store uses, so that
// Read(path) == NormaliseOrder(contents) after Write(path, contents):
//   flows by (site_id, day), measurements by (site_id, analyte, day),
//   site_estimates by (site_id, drug, biomarker, day), district (week) estimates by (group_id,
//   drug, start_day), estimate flags by (site_id, day, drug, biomarker, kind), truth districts
//   by (district_id, drug, day), truth sites by (site_id, biomarker, day); ties are broken by
//   the remaining fields.
// City vectors, district groups and truth events keep their order.
void NormaliseOrder(StoreContents* contents);

// A whole-file HDF5 store: written in one go, read in one go. Files are a derived,
// rebuildable cache of the raw inputs (see software-anchors.md D.4), so there is no append.
// Calls are serialised internally because the Debian HDF5 build is not thread-safe.
class Hdf5Store {
 public:
  static constexpr int kLayoutVersion = 1;

  // Writes the whole store atomically: a temp file in the same directory, closed and fsync'd,
  // renamed over `path`, then the directory fsync'd. On failure any previous file at `path` is
  // untouched and the temp file is removed. Output does not depend on the input row order
  // (the same contents give a byte-identical file).
  // Throws InputError (file, offending field) when an id cannot name an HDF5 group (empty,
  // ".", "..", or containing '/' or NUL), on a reserved or empty attribute key, or on a negative
  // registered_users; std::runtime_error naming `path` on I/O or HDF5 failure.
  static void Write(const std::string& path, const StoreContents& contents);

  // Reads a store written by Write; rows come back in NormaliseOrder order.
  // Throws InputError naming `path` and, where relevant, the missing or malformed
  // group, dataset or attribute (e.g. "/measurements/S01/morphine/day").
  static StoreContents Read(const std::string& path);
};

}  // namespace wbe
