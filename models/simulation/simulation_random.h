#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>

#include "models/core/random.h"

namespace wbe::simulation_internal {

// SplitMix64's finaliser: a well-mixed 64-bit hash step.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a over the bytes: our own hash, since std::hash differs between libraries.
inline uint64_t HashText(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

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
