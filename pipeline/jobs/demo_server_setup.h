#pragma once

#include <functional>
#include <string>

#include "models/catalogue/drug_catalogue.h"

namespace wbe {

struct DemoServerSetup {
  bool created = false;     // false: the directory already held the demo
  std::string tokens_path;  // DATA_DIR/demo-tokens.txt: "<role> <token>" per line
};

// Makes DATA_DIR ready for `wbe serve --demo`: the demo city simulated and ingested (the demo
// job, with `draws` Monte Carlo draws per estimate), the lab's method registered as
// "wbe-demo-lab", and one token per role (demo-lab, demo-analyst, demo-admin) written to
// DATA_DIR/demo-tokens.txt (mode 0600) so that the README's curl examples can read them.
// A directory that already holds the demo is reused as it is; one that holds anything else is
// refused (the demo job never writes over real data).
DemoServerSetup PrepareDemoDataDir(const DrugCatalogue& catalogue, const std::string& data_dir,
                                   int draws,
                                   const std::function<void(const std::string&)>& progress = {});

}  // namespace wbe
