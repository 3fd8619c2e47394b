#include "models/simulation/random_events.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/core/input_error.h"
#include "models/simulation/simulation_random.h"

namespace wbe {

using simulation_internal::Stream;

bool RandomEventOptions::Check(std::string* why) const {
  const auto fail = [&](const std::string& message) {
    if (why != nullptr) *why = message;
    return false;
  };
  if (!(events_per_district_year >= 0.0) || !std::isfinite(events_per_district_year)) {
    return fail("events per district and year must be 0 or more");
  }
  if (quiet_days_before_first < 0 || quiet_days_between < 0) {
    return fail("quiet days must be 0 or more");
  }
  if (!(rise_share >= 0.0 && rise_share <= 1.0)) return fail("rise share must be in [0, 1]");
  if (!(rise_min_multiplier > 1.0 && rise_max_multiplier >= rise_min_multiplier)) {
    return fail("rise multipliers must satisfy 1 < min <= max");
  }
  if (!(spike_min_multiplier > 1.0 && spike_max_multiplier >= spike_min_multiplier)) {
    return fail("spike multipliers must satisfy 1 < min <= max");
  }
  if (rise_min_days <= kMaxSpikeEventDays || rise_max_days < rise_min_days) {
    return fail("rise days must satisfy " + std::to_string(kMaxSpikeEventDays) + " < min <= max");
  }
  if (spike_min_days < 1 || spike_max_days < spike_min_days ||
      spike_max_days > kMaxSpikeEventDays) {
    return fail("spike days must satisfy 1 <= min <= max <= " + std::to_string(kMaxSpikeEventDays));
  }
  return true;
}

std::vector<ScenarioEvent> RandomScenarioEvents(const City& city, const Scenario& scenario,
                                                const RandomEventOptions& options, int days,
                                                uint64_t seed) {
  std::string why;
  if (!options.Check(&why)) throw InputError("", 0, "random events", why);
  std::vector<std::string> drugs;
  for (const DrugScenario& setting : scenario.drugs) {
    if (options.drugs.empty() || std::find(options.drugs.begin(), options.drugs.end(),
                                           setting.drug) != options.drugs.end()) {
      drugs.push_back(setting.drug);
    }
  }
  for (const std::string& drug : options.drugs) {
    if (std::find(drugs.begin(), drugs.end(), drug) == drugs.end()) {
      throw InputError("", 0, "random events",
                       "drug '" + drug + "' is not simulated by the scenario");
    }
  }
  std::vector<ScenarioEvent> events;
  if (!options.enabled() || drugs.empty()) return events;
  const double years = days / 365.25;
  const int per_district =
      static_cast<int>(std::floor(options.events_per_district_year * years + 0.5));
  for (const District& district : city.districts) {
    std::mt19937_64 rng = Stream(seed, {"random_events", district.id});
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    int next_free = options.quiet_days_before_first;
    for (int k = 0; k < per_district; ++k) {
      // Spread the events: each starts at a random point of its share of the remaining days.
      const int remaining = days - next_free;
      const int slot = remaining / (per_district - k);
      if (slot <= options.rise_min_days) break;
      ScenarioEvent event;
      event.kind = EventKind::kSurge;
      event.district_id = district.id;
      event.drug = drugs[static_cast<size_t>(unit(rng) * drugs.size()) % drugs.size()];
      const bool rise = unit(rng) < options.rise_share;
      const auto draw_int = [&](int low, int high) {
        return low + static_cast<int>(unit(rng) * (high - low + 1)) % (high - low + 1);
      };
      if (rise) {
        event.duration_days = draw_int(options.rise_min_days, options.rise_max_days);
        event.multiplier = options.rise_min_multiplier +
                           unit(rng) * (options.rise_max_multiplier - options.rise_min_multiplier);
      } else {
        event.duration_days = draw_int(options.spike_min_days, options.spike_max_days);
        event.multiplier =
            options.spike_min_multiplier +
            unit(rng) * (options.spike_max_multiplier - options.spike_min_multiplier);
      }
      const int latest_start = next_free + std::max(0, slot - event.duration_days);
      event.start_offset_days = draw_int(next_free, std::max(next_free, latest_start));
      if (event.start_offset_days + event.duration_days > days) break;
      char text[160];
      std::snprintf(text, sizeof text, "random %s: %s in %s x%.2f for %d day(s)",
                    rise ? "rise" : "spike", event.drug.c_str(), district.id.c_str(),
                    event.multiplier, event.duration_days);
      event.description = text;
      next_free = event.start_offset_days + event.duration_days + options.quiet_days_between;
      events.push_back(std::move(event));
    }
  }
  return events;
}

}  // namespace wbe
