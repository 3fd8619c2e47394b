#include "models/alerts/alert.h"

#include <tuple>

namespace wbe {

const char* AlertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kRisingTrend:
      return "rising_trend";
    case AlertKind::kSpike:
      return "spike";
    case AlertKind::kDumpingSuspected:
      return "dumping_suspected";
    case AlertKind::kNewSubstance:
      return "new_substance";
    case AlertKind::kUnderRegistration:
      return "under_registration";
    case AlertKind::kDataGap:
      return "data_gap";
    case AlertKind::kQcFailure:
      return "qc_failure";
  }
  return "unknown";
}

const char* AlertKindTitle(AlertKind kind, bool chinese) {
  switch (kind) {
    case AlertKind::kRisingTrend:
      return chinese ? "上升趋势" : "rising trend";
    case AlertKind::kSpike:
      return chinese ? "突增" : "spike";
    case AlertKind::kDumpingSuspected:
      return chinese ? "疑似直接倾倒" : "suspected dumping";
    case AlertKind::kNewSubstance:
      return chinese ? "新物质" : "new substance";
    case AlertKind::kUnderRegistration:
      return chinese ? "隐性吸毒人员" : "under-registration";
    case AlertKind::kDataGap:
      return chinese ? "数据缺失" : "data gap";
    case AlertKind::kQcFailure:
      return chinese ? "质控失败" : "QC failure";
  }
  return "";
}

bool IsCaveat(AlertKind kind) {
  return kind == AlertKind::kDumpingSuspected || kind == AlertKind::kDataGap ||
         kind == AlertKind::kQcFailure;
}

nlohmann::json Alert::ToJson() const {
  return {{"kind", AlertKindName(kind)},
          {"caveat", IsCaveat(kind)},
          {"group_id", group_id},
          {"district_ids", district_ids},
          {"site_id", site_id},
          {"drug", drug},
          {"drug_zh", drug_zh},
          {"biomarker", biomarker},
          {"first_day", FormatIsoDate(first_day)},
          {"last_day", FormatIsoDate(last_day)},
          {"severity", severity},
          {"raised_this_week", raised_this_week},
          {"evidence", evidence},
          {"reason_en", reason_en},
          {"reason_zh", reason_zh}};
}

bool AlertBefore(const Alert& a, const Alert& b) {
  return std::tie(a.kind, a.group_id, a.site_id, a.drug, a.biomarker, a.first_day) <
         std::tie(b.kind, b.group_id, b.site_id, b.drug, b.biomarker, b.first_day);
}

}  // namespace wbe
