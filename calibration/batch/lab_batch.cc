#include "calibration/batch/lab_batch.h"

namespace wbe {

const char* InjectionTypeName(InjectionType type) {
  switch (type) {
    case InjectionType::kSample:
      return "sample";
    case InjectionType::kBlank:
      return "blank";
    case InjectionType::kDoubleBlank:
      return "double_blank";
    case InjectionType::kCalibrator:
      return "cal";
    case InjectionType::kQc:
      return "qc";
    case InjectionType::kResponseCheck:
      return "response_check";
    case InjectionType::kOther:
      return "other";
  }
  return "other";
}

}  // namespace wbe
