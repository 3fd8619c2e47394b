#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wbe {

// A calendar day as a count of days since 1970-01-01 (proleptic Gregorian). Sampling days,
// flow days and estimate days all use it, so joins are integer comparisons.
using DayIndex = int32_t;

struct IsoWeek {
  int year = 0;                  // ISO week-numbering year
  int week = 0;                  // 1..53
  std::string ToString() const;  // "2026-W48"
};

DayIndex DayFromCivil(int year, int month, int day);
void CivilFromDay(DayIndex day, int* year, int* month, int* day_of_month);

// Parses "YYYY-MM-DD"; throws std::invalid_argument with the offending text otherwise.
DayIndex ParseIsoDate(std::string_view text);
std::string FormatIsoDate(DayIndex day);

// 0 = Monday ... 6 = Sunday (ISO 8601).
int IsoWeekday(DayIndex day);
IsoWeek IsoWeekOf(DayIndex day);
// Parses "2026-W48"; throws std::invalid_argument otherwise.
IsoWeek ParseIsoWeek(std::string_view text);
// The Monday that starts the given ISO week.
DayIndex MondayOfIsoWeek(const IsoWeek& week);

// Today in UTC, from the system clock.
DayIndex TodayUtc();

}  // namespace wbe
