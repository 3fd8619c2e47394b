#include "models/core/civil_day.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace wbe {
namespace {

// Days-from-civil arithmetic after the well-known era decomposition (400-year cycles).
int64_t DaysFromCivil64(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int ParseDigits(std::string_view text, size_t pos, size_t count, bool* ok) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') {
      *ok = false;
      return 0;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string IsoWeek::ToString() const {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-W%02d", year, week);
  return buffer;
}

DayIndex DayFromCivil(int year, int month, int day) {
  return static_cast<DayIndex>(
      DaysFromCivil64(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
}

void CivilFromDay(DayIndex day, int* year, int* month, int* day_of_month) {
  int64_t z = static_cast<int64_t>(day) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(y + (m <= 2));
  *month = static_cast<int>(m);
  *day_of_month = static_cast<int>(d);
}

DayIndex ParseIsoDate(std::string_view text) {
  bool ok = text.size() == 10 && text[4] == '-' && text[7] == '-';
  const int y = ParseDigits(text, 0, 4, &ok);
  const int m = ParseDigits(text, 5, 2, &ok);
  const int d = ParseDigits(text, 8, 2, &ok);
  if (!ok || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) {
    throw std::invalid_argument("not a date in YYYY-MM-DD form: '" + std::string(text) + "'");
  }
  return DayFromCivil(y, m, d);
}

std::string FormatIsoDate(DayIndex day) {
  int y = 0, m = 0, d = 0;
  CivilFromDay(day, &y, &m, &d);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d", y, m, d);
  return buffer;
}

int IsoWeekday(DayIndex day) {
  // 1970-01-01 was a Thursday (ISO weekday index 3).
  const int w = static_cast<int>((static_cast<int64_t>(day) + 3) % 7);
  return w < 0 ? w + 7 : w;
}

IsoWeek IsoWeekOf(DayIndex day) {
  // The ISO week belongs to the year that holds its Thursday.
  const DayIndex thursday = day - IsoWeekday(day) + 3;
  int y = 0, m = 0, d = 0;
  CivilFromDay(thursday, &y, &m, &d);
  const DayIndex jan1 = DayFromCivil(y, 1, 1);
  return IsoWeek{y, (thursday - jan1) / 7 + 1};
}

IsoWeek ParseIsoWeek(std::string_view text) {
  bool ok = (text.size() == 8 || text.size() == 7) && text[4] == '-' && text[5] == 'W';
  const int y = ParseDigits(text, 0, 4, &ok);
  const int w = ParseDigits(text, 6, text.size() - 6, &ok);
  if (!ok || w < 1 || w > 53) {
    throw std::invalid_argument("not an ISO week in YYYY-Www form: '" + std::string(text) + "'");
  }
  const IsoWeek week{y, w};
  if (IsoWeekOf(MondayOfIsoWeek(week)).week != w) {
    throw std::invalid_argument("year " + std::to_string(y) + " has no ISO week " +
                                std::to_string(w));
  }
  return week;
}

DayIndex MondayOfIsoWeek(const IsoWeek& week) {
  const DayIndex jan4 = DayFromCivil(week.year, 1, 4);
  const DayIndex week1_monday = jan4 - IsoWeekday(jan4);
  return week1_monday + (week.week - 1) * 7;
}

DayIndex TodayUtc() {
  const auto now = std::chrono::system_clock::now();
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return static_cast<DayIndex>(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400);
}

}  // namespace wbe
