#include "models/catalogue/quantity.h"

#include <stdexcept>

#include "models/core/random.h"

namespace wbe {

const char* ValueStatusName(ValueStatus status) {
  switch (status) {
    case ValueStatus::kVerified:
      return "verified";
    case ValueStatus::kComputed:
      return "computed";
    case ValueStatus::kUnconfirmed:
      return "unconfirmed";
    case ValueStatus::kAssumed:
      return "assumed";
    case ValueStatus::kNotFound:
      return "not_found";
  }
  return "unknown";
}

const char* DistributionKindName(DistributionKind kind) {
  switch (kind) {
    case DistributionKind::kFixed:
      return "fixed";
    case DistributionKind::kUniform:
      return "uniform";
    case DistributionKind::kTriangular:
      return "triangular";
    case DistributionKind::kNormal:
      return "normal";
    case DistributionKind::kLognormal:
      return "lognormal";
  }
  return "unknown";
}

double Quantity::point() const {
  if (!value) throw std::logic_error("a catalogue value that was not found was used");
  return *value;
}

double Quantity::Sample(std::mt19937_64& rng) const {
  const double v = point();
  switch (distribution) {
    case DistributionKind::kFixed:
      return v;
    case DistributionKind::kUniform:
      return min + (max - min) * UniformUnit(rng);
    case DistributionKind::kTriangular:
      return Triangular(rng, min, v, max);
    case DistributionKind::kNormal:
      return v + (sd > 0.0 ? sd : rsd * v) * StandardNormal(rng);
    case DistributionKind::kLognormal:
      return LognormalFromMedian(rng, v, rsd > 0.0 ? rsd : sd / v);
  }
  return v;
}

Quantity Quantity::Fixed(double value, ValueStatus status) {
  Quantity q;
  q.value = value;
  q.min = q.max = value;
  q.status = status;
  return q;
}

}  // namespace wbe
