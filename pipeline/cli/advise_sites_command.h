#pragma once

#include <CLI/CLI.hpp>

namespace wbe::cli {

// `wbe advise-sites`: which candidate manholes to sample next. Ranks them greedily by how much
// each shrinks the posterior variance of the districts' estimates (a linearised network
// inversion) and shows which districts the design can tell apart before and after.
void RegisterAdviseSitesCommand(CLI::App& app);

}  // namespace wbe::cli
