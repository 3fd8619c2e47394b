#include "pipeline/export/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace wbe {

namespace {

// Room around the plot for the axis labels, in SVG units.
constexpr double kMarginLeft = 72.0;
constexpr double kMarginRight = 16.0;
constexpr double kMarginTop = 12.0;
constexpr double kMarginBottom = 34.0;

// Coordinates with one decimal: enough on screen, and the same bytes on every run.
std::string Coord(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string StripTrailingZeros(std::string text) {
  if (text.find('.') == std::string::npos || text.find('e') != std::string::npos) return text;
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

std::string BilingualText(const BilingualLabel& label, const std::string& attributes) {
  return "<text lang=\"zh-CN\" " + attributes + ">" + EscapeMarkup(label.zh) + "</text><text " +
         "lang=\"en\" " + attributes + ">" + EscapeMarkup(label.en) + "</text>";
}

// Runs of consecutive items that pass `keep`: a gap in the data leaves a gap in the drawing.
template <typename T, typename Keep>
std::vector<std::vector<T>> DrawableRuns(const std::vector<T>& items, Keep keep) {
  std::vector<std::vector<T>> runs(1);
  for (const T& item : items) {
    if (keep(item)) {
      runs.back().push_back(item);
    } else if (!runs.back().empty()) {
      runs.emplace_back();
    }
  }
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

}  // namespace

std::string EscapeMarkup(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatShortNumber(double value) {
  if (std::isnan(value)) return "–";
  if (std::isinf(value)) return value > 0 ? "∞" : "-∞";
  if (value == 0.0) return "0";
  const double magnitude = std::fabs(value);
  char buffer[48];
  if (magnitude >= 100.0) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  if (magnitude >= 1e-3) {
    // Three significant digits as fixed decimals.
    const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(magnitude))));
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2e", value);
  }
  return StripTrailingZeros(buffer);
}

std::vector<double> LogAxisTicks(double y_min, double y_max) {
  std::vector<double> ticks;
  if (!(y_min > 0.0) || !(y_max > y_min) || !std::isfinite(y_max)) return ticks;
  const int first_decade = static_cast<int>(std::floor(std::log10(y_min)));
  const int last_decade = static_cast<int>(std::ceil(std::log10(y_max)));
  const double slack = 1e-9;
  auto collect = [&](const std::vector<double>& mantissas) {
    std::vector<double> found;
    for (int decade = first_decade; decade <= last_decade; ++decade) {
      for (double m : mantissas) {
        const double v = m * std::pow(10.0, decade);
        if (v >= y_min * (1 - slack) && v <= y_max * (1 + slack)) found.push_back(v);
      }
    }
    return found;
  };
  ticks = collect({1.0, 2.0, 5.0});
  if (ticks.size() > 9) ticks = collect({1.0});
  // A narrow range (less than a factor of about 2.5) needs finer steps to show any scale.
  if (ticks.size() < 3) ticks = collect({1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9});
  if (ticks.size() < 2) ticks = {y_min, y_max};
  return ticks;
}

SvgLogChart::SvgLogChart(int width, int height, double x_min, double x_max, double y_min,
                         double y_max)
    : width_(width),
      height_(height),
      x_min_(x_min),
      x_max_(x_max > x_min ? x_max : x_min + 1.0),
      log_y_min_(std::log10(y_min > 0.0 ? y_min : 1.0)),
      log_y_max_(std::log10(y_max > 0.0 ? y_max : 10.0)) {
  if (!(log_y_max_ > log_y_min_)) log_y_max_ = log_y_min_ + 1.0;
}

double SvgLogChart::PlotX(double x) const {
  const double plot_width = width_ - kMarginLeft - kMarginRight;
  return kMarginLeft + (x - x_min_) / (x_max_ - x_min_) * plot_width;
}

double SvgLogChart::PlotY(double y) const {
  const double plot_height = height_ - kMarginTop - kMarginBottom;
  const double t = (std::log10(y) - log_y_min_) / (log_y_max_ - log_y_min_);
  return kMarginTop + (1.0 - t) * plot_height;
}

bool SvgLogChart::Drawable(double y) const { return y > 0.0 && std::isfinite(y); }

void SvgLogChart::AddBand(const std::vector<BandPoint>& band, const std::string& css_class) {
  auto keep = [this](const BandPoint& p) {
    return std::isfinite(p.x) && Drawable(p.lower) && Drawable(p.upper);
  };
  for (const std::vector<BandPoint>& run : DrawableRuns(band, keep)) {
    std::string points;
    for (const BandPoint& p : run) points += Coord(PlotX(p.x)) + "," + Coord(PlotY(p.upper)) + " ";
    for (auto it = run.rbegin(); it != run.rend(); ++it) {
      points += Coord(PlotX(it->x)) + "," + Coord(PlotY(it->lower)) + " ";
    }
    points.pop_back();
    layers_ += "<polygon class=\"" + EscapeMarkup(css_class) + "\" points=\"" + points + "\"/>";
  }
}

void SvgLogChart::AddLine(const std::vector<ChartPoint>& line, const std::string& css_class) {
  auto keep = [this](const ChartPoint& p) { return std::isfinite(p.x) && Drawable(p.y); };
  for (const std::vector<ChartPoint>& run : DrawableRuns(line, keep)) {
    std::string points;
    for (const ChartPoint& p : run) points += Coord(PlotX(p.x)) + "," + Coord(PlotY(p.y)) + " ";
    points.pop_back();
    layers_ += "<polyline class=\"" + EscapeMarkup(css_class) + "\" points=\"" + points + "\"/>";
  }
}

void SvgLogChart::AddDots(const std::vector<ChartPoint>& dots, double radius,
                          const std::string& css_class) {
  for (const ChartPoint& p : dots) {
    if (!std::isfinite(p.x) || !Drawable(p.y)) continue;
    layers_ += "<circle class=\"" + EscapeMarkup(css_class) + "\" cx=\"" + Coord(PlotX(p.x)) +
               "\" cy=\"" + Coord(PlotY(p.y)) + "\" r=\"" + Coord(radius) + "\"/>";
  }
}

void SvgLogChart::AddHorizontalRule(double y, const std::string& css_class) {
  if (!Drawable(y)) return;
  layers_ += "<line class=\"" + EscapeMarkup(css_class) + "\" x1=\"" + Coord(kMarginLeft) +
             "\" x2=\"" + Coord(width_ - kMarginRight) + "\" y1=\"" + Coord(PlotY(y)) + "\" y2=\"" +
             Coord(PlotY(y)) + "\"/>";
}

void SvgLogChart::AddXSpan(double x_from, double x_to, const std::string& css_class) {
  if (!std::isfinite(x_from) || !std::isfinite(x_to) || x_to <= x_from) return;
  const double left = PlotX(std::max(x_from, x_min_));
  const double right = PlotX(std::min(x_to, x_max_));
  if (right <= left) return;
  layers_ += "<rect class=\"" + EscapeMarkup(css_class) + "\" x=\"" + Coord(left) + "\" y=\"" +
             Coord(kMarginTop) + "\" width=\"" + Coord(right - left) + "\" height=\"" +
             Coord(height_ - kMarginTop - kMarginBottom) + "\"/>";
}

void SvgLogChart::SetXTicks(std::vector<ChartTick> ticks) { x_ticks_ = std::move(ticks); }

void SvgLogChart::SetYLabel(BilingualLabel label) { y_label_ = std::move(label); }

void SvgLogChart::SetTitle(BilingualLabel title) { title_ = std::move(title); }

std::string SvgLogChart::RenderAxes() const {
  const double left = kMarginLeft;
  const double right = width_ - kMarginRight;
  const double top = kMarginTop;
  const double bottom = height_ - kMarginBottom;
  std::string axes;
  for (double v : LogAxisTicks(std::pow(10.0, log_y_min_), std::pow(10.0, log_y_max_))) {
    const std::string y = Coord(PlotY(v));
    axes += "<line class=\"grid\" x1=\"" + Coord(left) + "\" x2=\"" + Coord(right) + "\" y1=\"" +
            y + "\" y2=\"" + y + "\"/><text class=\"tick\" x=\"" + Coord(left - 6) + "\" y=\"" + y +
            "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + FormatShortNumber(v) +
            "</text>";
  }
  for (const ChartTick& tick : x_ticks_) {
    if (tick.value < x_min_ || tick.value > x_max_) continue;
    const std::string x = Coord(PlotX(tick.value));
    axes += "<line class=\"grid\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + Coord(top) +
            "\" y2=\"" + Coord(bottom) + "\"/><text class=\"tick\" x=\"" + x + "\" y=\"" +
            Coord(bottom + 16) + "\" text-anchor=\"middle\">" + EscapeMarkup(tick.label) +
            "</text>";
  }
  axes += "<rect class=\"frame\" x=\"" + Coord(left) + "\" y=\"" + Coord(top) + "\" width=\"" +
          Coord(right - left) + "\" height=\"" + Coord(bottom - top) + "\"/>";
  const std::string label_position = "class=\"axis-label\" transform=\"translate(14," +
                                     Coord((top + bottom) / 2) +
                                     ") rotate(-90)\" text-anchor=\"middle\"";
  axes += BilingualText(y_label_, label_position);
  return axes;
}

std::string SvgLogChart::Render() const {
  const std::string size = std::to_string(width_) + " " + std::to_string(height_);
  return "<svg class=\"chart\" viewBox=\"0 0 " + size + "\" role=\"img\"><title lang=\"zh-CN\">" +
         EscapeMarkup(title_.zh) + "</title><title lang=\"en\">" + EscapeMarkup(title_.en) +
         "</title>" + RenderAxes() + layers_ + "</svg>";
}

}  // namespace wbe
