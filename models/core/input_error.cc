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

InputErrorList::InputErrorList(std::vector<InputError> errors)
    : InputError(
          errors.at(0).file(), errors.at(0).row(), errors.at(0).field(),
          errors.at(0).message() +
              (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more problems)"
                                 : std::string())),
      errors_(std::move(errors)) {}

bool InputErrorCollector::Add(const InputError& error) {
  if (errors_.size() < limit_) errors_.push_back(error);
  return errors_.size() < limit_;
}

void InputErrorCollector::ThrowIfAny() const {
  if (errors_.empty()) return;
  if (errors_.size() == 1) throw errors_.front();
  throw InputErrorList(errors_);
}

}  // namespace wbe
