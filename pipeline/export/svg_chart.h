#pragma once

#include <string>
#include <vector>

namespace wbe {

// A text in the report's two languages; the page shows one of them (see alert_report_html.cc).
struct BilingualLabel {
  std::string zh;
  std::string en;
};

struct ChartPoint {
  double x = 0.0;
  double y = 0.0;
};

// One x position of a shaded interval.
struct BandPoint {
  double x = 0.0;
  double lower = 0.0;
  double upper = 0.0;
};

struct ChartTick {
  double value = 0.0;
  std::string label;
};

// A small static chart as inline SVG markup: linear x (days), logarithmic y (drug loads span
// orders of magnitude, and their intervals are symmetric on a log scale). Layers are drawn in
// the order they are added; styling is left to CSS classes so the page owns the look. Values
// that cannot be drawn on a log axis (zero, negative, NaN) are dropped, never clamped.
class SvgLogChart {
 public:
  SvgLogChart(int width, int height, double x_min, double x_max, double y_min, double y_max);

  void AddBand(const std::vector<BandPoint>& band, const std::string& css_class);
  void AddLine(const std::vector<ChartPoint>& line, const std::string& css_class);
  void AddDots(const std::vector<ChartPoint>& dots, double radius, const std::string& css_class);
  void AddHorizontalRule(double y, const std::string& css_class);
  // A vertical stripe from x_from to x_to over the whole plot height (e.g. the report week).
  void AddXSpan(double x_from, double x_to, const std::string& css_class);
  void SetXTicks(std::vector<ChartTick> ticks);
  void SetYLabel(BilingualLabel label);
  void SetTitle(BilingualLabel title);  // accessible name, not drawn

  std::string Render() const;

 private:
  double PlotX(double x) const;
  double PlotY(double y) const;
  bool Drawable(double y) const;
  std::string RenderAxes() const;

  int width_;
  int height_;
  double x_min_;
  double x_max_;
  double log_y_min_;
  double log_y_max_;
  std::vector<ChartTick> x_ticks_;
  BilingualLabel y_label_;
  BilingualLabel title_;
  std::string layers_;
};

// Tick values for a log axis over [y_min, y_max]: 1-2-5 steps per decade, thinned to whole
// decades when the range is wide. Empty when the range is not positive.
std::vector<double> LogAxisTicks(double y_min, double y_max);

// A number short enough for an axis or a table cell: three significant digits, no exponent
// for ordinary magnitudes ("0.0123", "4.56", "78.9", "1230").
std::string FormatShortNumber(double value);

// &, <, >, " and ' as entities: for text and attribute values in HTML and SVG.
std::string EscapeMarkup(const std::string& text);

}  // namespace wbe
