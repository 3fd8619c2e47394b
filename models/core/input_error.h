#pragma once

#include <stdexcept>
#include <string>
#include <vector>

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

// Several problems found in one pass over a file (a lab export with many bad rows), so the
// technician can fix them all at once. The InputError part describes the first problem, with
// "(and N more problems)" appended to what(); all() lists every one in file order.
class InputErrorList : public InputError {
 public:
  explicit InputErrorList(std::vector<InputError> errors);
  const std::vector<InputError>& all() const { return errors_; }

 private:
  std::vector<InputError> errors_;
};

// Collects row problems up to a limit; Throw() raises the first alone or all as a list.
class InputErrorCollector {
 public:
  explicit InputErrorCollector(size_t limit = 100) : limit_(limit) {}
  // Returns false once the limit is reached (stop reading).
  bool Add(const InputError& error);
  bool empty() const { return errors_.empty(); }
  void ThrowIfAny() const;

 private:
  size_t limit_;
  std::vector<InputError> errors_;
};

}  // namespace wbe
