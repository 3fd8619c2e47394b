#include "models/core/input_error.h"

namespace wbe {
namespace {

std::string Compose(const std::string& file, long row, const std::string& field,
                    const std::string& message) {
  std::string text;
  if (!file.empty()) text += file;
  if (row > 0) text += (text.empty() ? "row " : ":") + std::to_string(row);
  if (!text.empty()) text += ": ";
  if (!field.empty()) text += field + ": ";
  return text + message;
}

}  // namespace

InputError::InputError(std::string file, long row, std::string field, const std::string& message)
    : std::runtime_error(Compose(file, row, field, message)),
      file_(std::move(file)),
      row_(row),
      field_(std::move(field)),
      message_(message) {}

InputError::InputError(const std::string& message) : InputError("", 0, "", message) {}

}  // namespace wbe
