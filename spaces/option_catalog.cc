#include "spaces/option_catalog.h"

#include <algorithm>

namespace sculpt {

OptionDoc* OptionCatalog::Find(std::string_view key) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const OptionDoc& doc) { return doc.key == key; });
  return it == entries_.end() ? nullptr : &*it;
}

void OptionCatalog::Note(std::string key, std::string kind, nlohmann::json fallback,
                         std::string allowed) {
  if (OptionDoc* doc = Find(key)) {
    if (doc->kind.empty()) {  // described before it was read
      doc->kind = std::move(kind);
      doc->fallback = std::move(fallback);
      doc->allowed = std::move(allowed);
    }
    return;
  }
  entries_.push_back({std::move(key), std::move(kind), std::move(fallback), std::move(allowed), ""});
}

void OptionCatalog::Describe(std::string_view key, std::string meaning) {
  if (OptionDoc* doc = Find(key)) {
    doc->meaning = std::move(meaning);
  } else {
    // Described before it was read (or never read): keep the meaning; the reader's note fills in
    // the rest when it comes.
    entries_.push_back({std::string(key), "", nullptr, "", std::move(meaning)});
  }
}

}  // namespace sculpt
