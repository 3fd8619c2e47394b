#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>

#include "models/core/random.h"

namespace wbe::simulation_internal {

// An independent generator for one purpose and entity, e.g. Stream(seed, {"consumption", "B",
// "ketamine"}): draws for one part of the city do not shift when another part changes.
inline std::mt19937_64 Stream(uint64_t seed, std::initializer_list<std::string_view> keys) {
  uint64_t h = Mix64(seed);
  for (const std::string_view key : keys) h = Mix64(h ^ HashText(key));
  return std::mt19937_64(h);
}

// Multiplicative lognormal noise with median 1; exactly 1 (and no draw) when disabled.
inline double Noise(std::mt19937_64& rng, double rsd, bool enabled) {
  return enabled ? LognormalFromMedian(rng, 1.0, rsd) : 1.0;
}

// Normal with mean 0; 0 (and no draw) when disabled.
inline double Jitter(std::mt19937_64& rng, double sd, bool enabled) {
  return enabled ? sd * StandardNormal(rng) : 0.0;
}

}  // namespace wbe::simulation_internal
