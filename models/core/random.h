#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string_view>

namespace wbe {

// Hand-written draws on top of std::mt19937_64 (whose output the standard fixes), so that a
// seed gives the same numbers with every standard library, unlike std::normal_distribution.

// SplitMix64's finaliser: a well-mixed 64-bit hash step, for deriving independent seeds.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a over the bytes: stable across runs and standard libraries (std::hash is not).
inline uint64_t HashText(std::string_view text, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Uniform on [0, 1) with 53 random bits.
inline double UniformUnit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Standard normal by Box-Muller (one of the pair; simple and branch-free).
inline double StandardNormal(std::mt19937_64& rng) {
  const double u1 = 1.0 - UniformUnit(rng);  // (0, 1]: log stays finite
  const double u2 = UniformUnit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// Triangular on [min, max] with the given mode, by inverting its CDF.
inline double Triangular(std::mt19937_64& rng, double min, double mode, double max) {
  if (!(max > min)) return mode;
  const double u = UniformUnit(rng);
  const double split = (mode - min) / (max - min);
  return u < split ? min + std::sqrt(u * (max - min) * (mode - min))
                   : max - std::sqrt((1.0 - u) * (max - min) * (max - mode));
}

// Lognormal with the given median and relative SD of the distribution itself
// (sigma_log = sqrt(log(1 + rsd^2))).
inline double LognormalFromMedian(std::mt19937_64& rng, double median, double rsd) {
  if (rsd <= 0.0) return median;
  const double sigma = std::sqrt(std::log1p(rsd * rsd));
  return median * std::exp(sigma * StandardNormal(rng));
}

}  // namespace wbe
