#include "spaces/options.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "spaces/counted.h"
#include "spaces/did_you_mean.h"

namespace sculpt {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + ("'" + name + "'");
  return out;
}

std::string Shown(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// "in [2, 10]", ">= 2", "<= 1" or "" for no bound.
std::string BoundsText(double min, double max, bool integer) {
  auto number = [&](double v) {
    std::ostringstream out;
    if (integer) {
      out << static_cast<long long>(v);
    } else {
      out << v;
    }
    return out.str();
  };
  const bool has_min = std::isfinite(min), has_max = std::isfinite(max);
  if (has_min && has_max) return "in [" + number(min) + ", " + number(max) + "]";
  if (has_min) return ">= " + number(min);
  if (has_max) return "<= " + number(max);
  return "";
}

std::string RangeText(const char* what, double min, double max, bool integer) {
  const std::string bounds = BoundsText(min, max, integer);
  return std::string("expected ") + what + (bounds.empty() ? "" : " " + bounds);
}

double AsBound(std::int64_t bound) {
  if (bound == Options::kNoMin) return -std::numeric_limits<double>::infinity();
  if (bound == Options::kNoMax) return std::numeric_limits<double>::infinity();
  return static_cast<double>(bound);
}

// Longest message kept, in bytes: messages quote what they found (a table's header, a value),
// and a binary file would otherwise bury the error under a screenful of bytes.
constexpr std::size_t kMaxMessageBytes = 500;

// The bytes of the printable character at text[i]: 1 for printable ASCII, 2 to 4 for a valid
// UTF-8 sequence other than a C1 control (U+0080..U+009F garble terminals as C0 controls do); 0
// for a byte to escape.
std::size_t PrintableLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead >= 0x20 && lead < 0x7F) return 1;
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  if (lead >= 0xE0 && lead <= 0xEF) length = 3;
  if (lead >= 0xF0 && lead <= 0xF4) length = 4;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  if (lead == 0xC2 && byte(i + 1) < 0xA0) return 0;
  return length;
}

// A message safe to print on one line: control bytes and bytes that are not UTF-8 (quoted from a
// binary file) become \xNN escapes, since a NUL would end the message where what() is read as
// a C string and others garble a terminal; and it is cut at kMaxMessageBytes. Idempotent: a
// message it made (printable, cut, with its note) comes back unchanged.
std::string Printable(std::string_view text) {
  // Room for the "... (N more bytes)" note and the last escape before the cut.
  constexpr std::size_t kNoteRoom = 64;
  bool clean = text.size() <= kMaxMessageBytes + kNoteRoom;
  for (std::size_t i = 0, n = 0; clean && i < text.size(); i += n) {
    n = PrintableLength(text, i);
    clean = n > 0;
  }
  if (clean) return std::string(text);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < kMaxMessageBytes) {
    if (const std::size_t n = PrintableLength(text, i); n > 0) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      const unsigned char c = static_cast<unsigned char>(text[i++]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  if (i < text.size()) out += "... (" + std::to_string(text.size() - i) + " more bytes)";
  return out;
}

}  // namespace

void ConfigErrors::Add(const std::string& path, const std::string& message) {
  messages_.push_back(Printable(path.empty() ? message : path + ": " + message));
}

void ConfigErrors::ThrowIfAny() const {
  if (!messages_.empty()) throw ConfigError(messages_);
}

// Messages made without ConfigErrors (a config file that is not JSON) are made printable here.
ConfigError::ConfigError(std::vector<std::string> messages)
    : UserError([&] {
        for (std::string& m : messages) m = Printable(m);
        std::string text =
            Counted(static_cast<std::int64_t>(messages.size()), "error") + " in the config:";
        for (const std::string& m : messages) text += "\n  " + m;
        return text;
      }()),
      messages_(std::move(messages)) {}

std::string DescribeJson(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean " + value.dump();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return value.dump();
    case nlohmann::json::value_t::number_float: return value.dump();
    case nlohmann::json::value_t::string: return "the string " + Shown(value);
    case nlohmann::json::value_t::array: return "a list " + Shown(value);
    case nlohmann::json::value_t::object: return "an object " + Shown(value);
    default: return Shown(value);
  }
}

Options::Options(const nlohmann::json& node, std::string path, ConfigErrors& errors,
                 nlohmann::json* canonical)
    : node_(&node), path_(std::move(path)), errors_(&errors), canonical_(canonical),
      is_object_(node.is_object()) {
  if (!is_object_) {
    errors_->Add(path_, "expected an object, got " + DescribeJson(node));
    node_ = &EmptyObject();
  }
  if (canonical_ != nullptr && !canonical_->is_object()) *canonical_ = nlohmann::json::object();
}

std::string Options::PathOf(std::string_view key) const {
  if (key.empty()) return path_;
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool Options::Has(std::string_view key) const { return node_->contains(key); }

const nlohmann::json* Options::Lookup(std::string_view key) {
  known_.emplace(key);
  auto it = node_->find(key);
  if (it == node_->end() || it->is_null()) return nullptr;
  return &*it;
}

void Options::Remember(std::string_view key, nlohmann::json value) {
  if (canonical_ != nullptr) (*canonical_)[std::string(key)] = std::move(value);
}

void Options::Record(std::string_view key, nlohmann::json value) {
  Lookup(key);  // known: a stored config that carries it is read back without complaint
  Remember(key, std::move(value));
}

void Options::Note(std::string_view key, const char* kind, nlohmann::json fallback,
                   std::string allowed) {
  if (catalog_ != nullptr) catalog_->Note(PathOf(key), kind, std::move(fallback), std::move(allowed));
}

void Options::Describe(std::string_view key, std::string meaning) {
  if (catalog_ != nullptr) catalog_->Describe(PathOf(key), std::move(meaning));
}

void Options::Error(std::string_view key, const std::string& message) {
  errors_->Add(PathOf(key), message);
}

std::optional<std::int64_t> Options::OptionalInt(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
  Note(key, "an integer", nullptr, BoundsText(AsBound(min), AsBound(max), true));
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) return std::nullopt;
  const std::string expected = RangeText("an integer", AsBound(min), AsBound(max), true);
  bool integral = value->is_number_integer();
  std::int64_t v = 0;
  if (integral) {
    v = value->get<std::int64_t>();
  } else if (value->is_number_float()) {
    // 1e6 is a natural way to write a budget; accept floats with an exact integer value.
    const double d = value->get<double>();
    integral = std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e18;
    v = integral ? static_cast<std::int64_t>(d) : 0;
  }
  if (!integral || v < min || v > max) {
    Error(key, expected + ", got " + DescribeJson(*value));
    return std::nullopt;
  }
  Remember(key, v);
  return v;
}

std::int64_t Options::Int(std::string_view key, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) {
  Note(key, "an integer", fallback, BoundsText(AsBound(min), AsBound(max), true));
  const bool present = Lookup(key) != nullptr;
  std::optional<std::int64_t> v = OptionalInt(key, min, max);
  if (!present) Remember(key, fallback);
  return v.value_or(fallback);
}

std::optional<double> Options::OptionalNumber(std::string_view key, double min, double max) {
  Note(key, "a number", nullptr, BoundsText(min, max, false));
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number() || value->get<double>() < min || value->get<double>() > max ||
      !std::isfinite(value->get<double>())) {
    Error(key, RangeText("a number", min, max, false) + ", got " + DescribeJson(*value));
    return std::nullopt;
  }
  Remember(key, *value);
  return value->get<double>();
}

double Options::Number(std::string_view key, double fallback, double min, double max) {
  Note(key, "a number", fallback, BoundsText(min, max, false));
  const bool present = Lookup(key) != nullptr;
  std::optional<double> v = OptionalNumber(key, min, max);
  if (!present) Remember(key, fallback);
  return v.value_or(fallback);
}

bool Options::Bool(std::string_view key, bool fallback) {
  Note(key, "true or false", fallback, "");
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) {
    Remember(key, fallback);
    return fallback;
  }
  if (!value->is_boolean()) {
    Error(key, "expected true or false, got " + DescribeJson(*value));
    return fallback;
  }
  Remember(key, *value);
  return value->get<bool>();
}

std::optional<std::string> Options::OptionalString(std::string_view key,
                                                   const std::vector<std::string>& allowed) {
  Note(key, "a string", nullptr, Quoted(allowed));
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    Error(key, (allowed.empty() ? std::string("expected a string")
                                : "expected one of " + Quoted(allowed)) +
                   ", got " + DescribeJson(*value));
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    std::string message = "expected one of " + Quoted(allowed) + ", got '" + text + "'";
    const std::string guess = DidYouMean(text, allowed);
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    Error(key, message);
    return std::nullopt;
  }
  Remember(key, text);
  return text;
}

std::string Options::String(std::string_view key, std::string fallback,
                            const std::vector<std::string>& allowed) {
  Note(key, "a string", fallback, Quoted(allowed));
  const bool present = Lookup(key) != nullptr;
  std::optional<std::string> v = OptionalString(key, allowed);
  if (!present) Remember(key, fallback);
  return v.value_or(std::move(fallback));
}

std::string Options::RequiredString(std::string_view key, const std::vector<std::string>& allowed) {
  Note(key, "a string (required)", nullptr, Quoted(allowed));
  if (Lookup(key) == nullptr) {
    Error(key, "missing" + (allowed.empty() ? std::string() : "; expected one of " + Quoted(allowed)));
    return "";
  }
  return OptionalString(key, allowed).value_or("");
}

std::vector<std::string> Options::Strings(std::string_view key, std::vector<std::string> fallback) {
  Note(key, "a string or a list of strings", fallback, "");
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) {
    Remember(key, fallback);
    return fallback;
  }
  std::vector<std::string> out;
  if (value->is_string()) {
    out.push_back(value->get<std::string>());
  } else if (value->is_array() &&
             std::all_of(value->begin(), value->end(), [](const auto& v) { return v.is_string(); })) {
    for (const auto& v : *value) out.push_back(v.get<std::string>());
  } else {
    Error(key, "expected a string or a list of strings, got " + DescribeJson(*value));
    return fallback;
  }
  Remember(key, out);
  return out;
}

std::vector<double> Options::Numbers(std::string_view key, std::vector<double> fallback, double min,
                                     double max) {
  Note(key, "a number or a list of numbers", fallback, BoundsText(min, max, false));
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) {
    // A single default is canonical as the number, as Number would have written it.
    Remember(key, fallback.size() == 1 ? nlohmann::json(fallback[0]) : nlohmann::json(fallback));
    return fallback;
  }
  const auto in_range = [&](const nlohmann::json& element) {
    return element.is_number() && std::isfinite(element.get<double>()) &&
           element.get<double>() >= min && element.get<double>() <= max;
  };
  const std::string expected = RangeText("a number", min, max, false);
  if (value->is_number()) {
    if (!in_range(*value)) {
      Error(key, expected + ", got " + DescribeJson(*value));
      return fallback;
    }
    Remember(key, *value);
    return {value->get<double>()};
  }
  if (!value->is_array() || value->empty()) {
    Error(key, "expected a number or a non-empty list of numbers, got " + DescribeJson(*value));
    return fallback;
  }
  std::vector<double> out;
  for (std::size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& element = (*value)[i];
    if (!in_range(element)) {
      Error(std::string(key) + "[" + std::to_string(i) + "]",
            expected + ", got " + DescribeJson(element));
      return fallback;
    }
    out.push_back(element.get<double>());
  }
  Remember(key, *value);
  return out;
}

std::vector<std::int64_t> Options::Ints(std::string_view key, std::vector<std::int64_t> fallback,
                                        std::int64_t min, std::int64_t max) {
  Note(key, "a list of integers", fallback, BoundsText(AsBound(min), AsBound(max), true));
  const nlohmann::json* value = Lookup(key);
  if (value == nullptr) {
    Remember(key, fallback);
    return fallback;
  }
  const std::string expected = RangeText("an integer", AsBound(min), AsBound(max), true);
  if (!value->is_array()) {
    Error(key, "expected a list of integers, got " + DescribeJson(*value));
    return fallback;
  }
  std::vector<std::int64_t> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& element = (*value)[i];
    // Integers only: unlike Int, a float here is more likely a typo than a way of writing 1e3.
    const bool in_range =
        element.is_number_integer() && element.get<std::int64_t>() >= min &&
        element.get<std::int64_t>() <= max &&
        !(element.is_number_unsigned() &&
          element.get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (!in_range) {
      Error(std::string(key) + "[" + std::to_string(i) + "]",
            expected + ", got " + DescribeJson(element));
      return fallback;
    }
    out.push_back(element.get<std::int64_t>());
  }
  Remember(key, out);
  return out;
}

Options Options::Child(std::string_view key) {
  const nlohmann::json* value = Lookup(key);
  nlohmann::json* child_canonical = nullptr;
  if (canonical_ != nullptr) {
    child_canonical = &(*canonical_)[std::string(key)];
    *child_canonical = nlohmann::json::object();
  }
  Note(key, "an object", nlohmann::json::object(), "");
  Options child(value == nullptr ? EmptyObject() : *value, PathOf(key), *errors_, child_canonical);
  child.catalog_ = catalog_;
  return child;
}

std::vector<Options> Options::Children(std::string_view key) {
  Note(key, "a list of objects", nlohmann::json::array(), "");
  const nlohmann::json* value = Lookup(key);
  std::vector<Options> out;
  if (value == nullptr) {
    Remember(key, nlohmann::json::array());
    return out;
  }
  if (!value->is_array()) {
    Error(key, "expected a list of objects, got " + DescribeJson(*value));
    return out;
  }
  nlohmann::json* list = nullptr;
  if (canonical_ != nullptr) {
    list = &(*canonical_)[std::string(key)];
    // Sized up front: element addresses handed to children must stay valid.
    *list = nlohmann::json::array();
    for (std::size_t i = 0; i < value->size(); ++i) list->push_back(nlohmann::json::object());
  }
  for (std::size_t i = 0; i < value->size(); ++i) {
    out.emplace_back((*value)[i], PathOf(key) + "[" + std::to_string(i) + "]", *errors_,
                     list == nullptr ? nullptr : &(*list)[i]);
    out.back().catalog_ = catalog_;
  }
  return out;
}

const nlohmann::json* Options::Raw(std::string_view key) {
  const nlohmann::json* value = Lookup(key);
  if (value != nullptr) Remember(key, *value);
  return value;
}

void Options::Finish() {
  if (!is_object_) return;
  std::vector<std::string> allowed(known_.begin(), known_.end());
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    if (known_.count(it.key()) != 0) continue;
    // A key longer than any option is not a typo of one: named by its start and length (echoing
    // megabytes, or comparing them with every option, helps no one).
    constexpr std::size_t kLongestShown = 100;
    if (it.key().size() > kLongestShown) {
      Error(it.key().substr(0, 40) + "...",
            "unknown key of " + std::to_string(it.key().size()) + " characters (allowed: " +
                (allowed.empty() ? std::string("none") : JoinNames(allowed)) + ")");
      continue;
    }
    std::string message = "unknown key";
    const std::string guess = DidYouMean(it.key(), allowed);
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    message += " (allowed: " + (allowed.empty() ? std::string("none") : JoinNames(allowed)) + ")";
    Error(it.key(), message);
  }
}

}  // namespace sculpt
