#pragma once

#include <stdexcept>
#include <string>

namespace wbe {

// Bad input a user can fix: names the file, and where known the row and the field, so a lab
// technician can go straight to the cell. what() gives "file:row: field: message".
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, long row, std::string field, const std::string& message);
  explicit InputError(const std::string& message);

  const std::string& file() const { return file_; }
  long row() const { return row_; }  // 1-based; 0 when not row-specific
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  long row_ = 0;
  std::string field_;
  std::string message_;
};

}  // namespace wbe
