// The network inversion on one synthetic city-year against SciPy: the same problem solved by
// NetworkInversion::Solve (Ceres) and by scipy.optimize.least_squares
// (bench/scipy_network_inversion.py, run with /usr/bin/python3), compared on wall and CPU
// time, final cost under the same objective and accuracy against the simulated truth.
//
// The city is random but fixed by --seed: a sewer tree (travel times 0.5-30 h per edge,
// log-uniform; a few rising mains), the treatment-plant inlet at the root and manholes placed
// greedily to resolve as many districts as the design allows (in a tree a district's site set
// is fixed by its nearest downstream site, so n sites resolve at most n - 1 districts).
// Truth: log mass = log(population x per-capita level) + random walk + weekly pattern; site
// loads from SewerNetwork::ForwardLoads after warm-up days; observations = truth x lognormal
// noise (sigma 0.15), about 3 % of site-days missing, 2 % below an LOQ, a few x10 dumping
// spikes. Biomarker: methamphetamine (the catalogue's stability).
//
// Accuracy: median absolute relative error of weekly district mass (7-day sums) for resolved
// districts, and of weekly group sums for groups the design cannot separate.
//
//   ./build/bench/bench_network_inversion [--seed 1] [--districts 32] [--sites 10] [--days 365]
//       [--repeats 3] [--threads 1,2] [--spikes 5] [--python /usr/bin/python3]
//       [--scipy-tr-solver lsmr|exact] [--scipy-tolerances matched|scipy]
//       [--linear-solver SPARSE_NORMAL_CHOLESKY|CGNR|...] [--function-tolerance X] [--no-scipy]
//       [--keep] [--json]
// --linear-solver and --function-tolerance change InversionOptions (the defaults otherwise); the
// tolerances SciPy gets ("matched") follow them.
// Prints a table (or, with --json, one JSON line); exits 1 on errors, 2 on bad flags.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <ceres/types.h>

#include "models/catalogue/drug_catalogue.h"
#include "models/city/city.h"
#include "models/core/median.h"
#include "models/core/random.h"
#include "models/inversion/cost_functions.h"
#include "models/inversion/inversion_options.h"
#include "models/inversion/network_inversion.h"
#include "models/network/identifiability.h"
#include "models/network/sewer_network.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kDrug[] = "methamphetamine";
constexpr double kNoiseLogSigma = 0.15;
constexpr double kMissingFraction = 0.03;
constexpr double kCensoredFraction = 0.02;
constexpr double kSpikeFactor = 10.0;

struct Flags {
  uint64_t seed = 1;
  int districts = 32;
  int sites = 10;
  int days = 365;
  int repeats = 3;
  std::vector<int> threads = {1, 2};
  int spikes = 5;
  std::string python = "/usr/bin/python3";
  std::string scipy_tr_solver = "lsmr";
  std::string scipy_tolerances = "matched";
  std::string linear_solver;        // empty: InversionOptions' default
  double function_tolerance = 0.0;  // 0: InversionOptions' default
  bool scipy = true;
  bool keep = false;
  bool json = false;
};

std::vector<int> ParseIntList(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) values.push_back(std::atoi(item.c_str()));
  return values;
}

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--seed" && has_value) {
      flags->seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (flag == "--districts" && has_value) {
      flags->districts = std::atoi(argv[++i]);
    } else if (flag == "--sites" && has_value) {
      flags->sites = std::atoi(argv[++i]);
    } else if (flag == "--days" && has_value) {
      flags->days = std::atoi(argv[++i]);
    } else if (flag == "--repeats" && has_value) {
      flags->repeats = std::atoi(argv[++i]);
    } else if (flag == "--threads" && has_value) {
      flags->threads = ParseIntList(argv[++i]);
    } else if (flag == "--spikes" && has_value) {
      flags->spikes = std::atoi(argv[++i]);
    } else if (flag == "--python" && has_value) {
      flags->python = argv[++i];
    } else if (flag == "--scipy-tr-solver" && has_value) {
      flags->scipy_tr_solver = argv[++i];
    } else if (flag == "--scipy-tolerances" && has_value) {
      flags->scipy_tolerances = argv[++i];
    } else if (flag == "--linear-solver" && has_value) {
      flags->linear_solver = argv[++i];
    } else if (flag == "--function-tolerance" && has_value) {
      flags->function_tolerance = std::atof(argv[++i]);
    } else if (flag == "--no-scipy") {
      flags->scipy = false;
    } else if (flag == "--keep") {
      flags->keep = true;
    } else if (flag == "--json") {
      flags->json = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seed S] [--districts N] [--sites N] [--days N] [--repeats N]\n"
                   "  [--threads 1,2] [--spikes N] [--python PATH] [--scipy-tr-solver lsmr|exact]\n"
                   "  [--scipy-tolerances matched|scipy] [--linear-solver NAME]\n"
                   "  [--function-tolerance X] [--no-scipy] [--keep] [--json]\n"
                   "unknown or incomplete flag: %s\n",
                   argv[0], flag.c_str());
      return false;
    }
  }
  ceres::LinearSolverType linear_solver;
  const bool linear_solver_ok =
      flags->linear_solver.empty() ||
      ceres::StringToLinearSolverType(flags->linear_solver, &linear_solver);
  const bool threads_ok =
      !flags->threads.empty() &&
      std::all_of(flags->threads.begin(), flags->threads.end(), [](int t) { return t >= 1; });
  if (flags->districts < 2 || flags->sites < 1 || flags->sites > flags->districts ||
      flags->days < 7 || flags->repeats < 1 || flags->spikes < 0 || !threads_ok ||
      !linear_solver_ok || flags->function_tolerance < 0.0 ||
      (flags->scipy_tr_solver != "lsmr" && flags->scipy_tr_solver != "exact") ||
      (flags->scipy_tolerances != "matched" && flags->scipy_tolerances != "scipy")) {
    std::fprintf(stderr,
                 "--districts >= 2, --sites 1..districts, --days >= 7, --repeats >= 1, "
                 "--spikes >= 0, --threads a list of counts >= 1, --scipy-tr-solver lsmr|exact, "
                 "--scipy-tolerances matched|scipy, --linear-solver a Ceres LinearSolverType "
                 "(SPARSE_NORMAL_CHOLESKY, CGNR, ...), --function-tolerance >= 0\n");
    return false;
  }
  return true;
}

std::string TwoDigits(int i) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d", i);
  return text;
}

// ---------------------------------------------------------------------------------------------
// The synthetic city.

struct SyntheticCity {
  wbe::City city;
  std::vector<double> populations;
  int warm_up_days = 0;
  // districts x (warm_up_days + days); column c is day c - warm_up_days.
  Eigen::MatrixXd true_log_mass;
  std::vector<wbe::SiteLoadObservation> observations;
  double city_mg_per_person_per_day = 0.0;  // true mean over days 0 .. days - 1
  int rising_mains = 0;
  int missing = 0;
  int censored = 0;
  int spikes = 0;
  double max_travel_time_h = 0.0;
};

// Random recursive tree: node i drains into a uniformly chosen earlier node, node 0 (the plant)
// is the root. Returns the parent of every node (-1 at the root).
std::vector<int> RandomTree(int nodes, std::mt19937_64& rng) {
  std::vector<int> parent(static_cast<size_t>(nodes), -1);
  for (int i = 1; i < nodes; ++i) {
    parent[static_cast<size_t>(i)] = static_cast<int>(wbe::UniformUnit(rng) * i);
  }
  return parent;
}

// Sites greedily: the root first, then each next manhole where it resolves the most districts
// (ties: the smaller largest group, then the earlier node in a shuffled order).
std::vector<int> PlaceSites(const std::vector<int>& parent, const std::vector<int>& outlet,
                            int site_count, std::mt19937_64& rng) {
  const int nodes = static_cast<int>(parent.size());
  std::vector<int> order(static_cast<size_t>(nodes));
  std::iota(order.begin(), order.end(), 0);
  for (int i = nodes - 1; i > 0; --i) {
    std::swap(order[static_cast<size_t>(i)],
              order[static_cast<size_t>(wbe::UniformUnit(rng) * (i + 1))]);
  }
  std::vector<int> upstream_districts(static_cast<size_t>(nodes), 0);
  for (int node : outlet) {
    for (int n = node; n >= 0; n = parent[static_cast<size_t>(n)]) {
      ++upstream_districts[static_cast<size_t>(n)];
    }
  }
  std::vector<char> is_site(static_cast<size_t>(nodes), 0);
  is_site[0] = 1;
  std::vector<int> sites = {0};
  // (resolved districts, largest group) with these sites.
  auto score = [&](const std::vector<char>& with) {
    std::map<int, int> group_size;  // nearest site downstream -> districts
    for (int node : outlet) {
      int n = node;
      while (!with[static_cast<size_t>(n)]) n = parent[static_cast<size_t>(n)];
      ++group_size[n];
    }
    int resolved = 0;
    int largest = 0;
    for (const auto& [site, size] : group_size) {
      resolved += size == 1 ? 1 : 0;
      largest = std::max(largest, size);
    }
    return std::make_pair(resolved, -largest);
  };
  while (static_cast<int>(sites.size()) < site_count) {
    int best = -1;
    std::pair<int, int> best_score;
    for (int node : order) {
      if (is_site[static_cast<size_t>(node)] ||
          upstream_districts[static_cast<size_t>(node)] == 0) {
        continue;
      }
      is_site[static_cast<size_t>(node)] = 1;
      const std::pair<int, int> s = score(is_site);
      is_site[static_cast<size_t>(node)] = 0;
      if (best < 0 || s > best_score) {
        best = node;
        best_score = s;
      }
    }
    if (best < 0) break;  // every node with districts upstream is a site already
    is_site[static_cast<size_t>(best)] = 1;
    sites.push_back(best);
  }
  return sites;
}

SyntheticCity MakeCity(const Flags& flags, const wbe::BiomarkerStability& stability) {
  std::mt19937_64 rng(wbe::Mix64(flags.seed ^ wbe::HashText("network-inversion-bench")));
  SyntheticCity out;
  wbe::City& city = out.city;
  city.name = "synthetic-" + std::to_string(flags.seed);

  // Nodes: the plant (0), one outlet node per district and about half as many junctions, in a
  // random order down the tree.
  const int junctions = std::max(2, flags.districts / 2);
  const int nodes = 1 + flags.districts + junctions;
  std::vector<std::string> node_ids = {"WWTP"};
  std::vector<std::string> others;
  for (int d = 1; d <= flags.districts; ++d) others.push_back("N" + TwoDigits(d));
  for (int j = 1; j <= junctions; ++j) others.push_back("J" + TwoDigits(j));
  for (size_t i = others.size() - 1; i > 0; --i) {
    std::swap(others[i], others[static_cast<size_t>(wbe::UniformUnit(rng) * (i + 1))]);
  }
  node_ids.insert(node_ids.end(), others.begin(), others.end());
  city.nodes = node_ids;
  std::map<std::string, int> node_index;
  for (int i = 0; i < nodes; ++i) node_index[node_ids[static_cast<size_t>(i)]] = i;

  const std::vector<int> parent = RandomTree(nodes, rng);
  const int rising_mains = std::max(1, nodes / 16);
  std::set<int> rising;
  while (static_cast<int>(rising.size()) < rising_mains) {
    rising.insert(1 + static_cast<int>(wbe::UniformUnit(rng) * (nodes - 1)));
  }
  out.rising_mains = rising_mains;
  for (int i = 1; i < nodes; ++i) {
    wbe::SewerEdge edge;
    edge.from_node = node_ids[static_cast<size_t>(i)];
    edge.to_node = node_ids[static_cast<size_t>(parent[static_cast<size_t>(i)])];
    edge.travel_time_h = 0.5 * std::exp(wbe::UniformUnit(rng) * std::log(60.0));  // 0.5-30 h
    edge.sewer_type = rising.count(i) ? wbe::SewerType::kRisingMain : wbe::SewerType::kGravity;
    city.edges.push_back(edge);
  }

  std::vector<int> outlet;
  for (int d = 1; d <= flags.districts; ++d) {
    wbe::District district;
    district.id = "D" + TwoDigits(d);
    district.name = "District " + TwoDigits(d);
    district.population = std::round(20000.0 + 130000.0 * wbe::UniformUnit(rng));
    district.area_km2 = std::round(10.0 * (2.0 + 20.0 * wbe::UniformUnit(rng))) / 10.0;
    district.outlet_node = "N" + TwoDigits(d);
    outlet.push_back(node_index[district.outlet_node]);
    out.populations.push_back(district.population);
    city.districts.push_back(district);
  }

  const std::vector<int> site_nodes = PlaceSites(parent, outlet, flags.sites, rng);
  for (size_t s = 0; s < site_nodes.size(); ++s) {
    wbe::SamplingSite site;
    site.node = node_ids[static_cast<size_t>(site_nodes[s])];
    if (s == 0) {
      site.id = "WWTP-IN";
      site.name = "Treatment plant inlet";
      site.kind = wbe::SiteKind::kTreatmentPlantInlet;
    } else {
      site.id = "MH" + TwoDigits(static_cast<int>(s));
      site.name = "Manhole at " + site.node;
      site.kind = wbe::SiteKind::kManhole;
    }
    city.sites.push_back(site);
  }
  const wbe::SewerNetwork network = wbe::SewerNetwork::Build(city);  // validates
  for (const wbe::SamplingSite& site : city.sites) {
    for (const wbe::DistrictPath& path : city.UpstreamDistricts(site.id)) {
      out.max_travel_time_h = std::max(out.max_travel_time_h, path.travel_time_h());
    }
  }

  // Truth: per-capita level (about 25 mg methamphetamine per 1000 persons a day, a lognormal
  // spread across districts) x random walk x weekly pattern (day 0 is a Monday).
  const int warm_up = wbe::NetworkInversion::WarmUpDays(network);
  out.warm_up_days = warm_up;
  const int columns = warm_up + flags.days;
  const double weekly[7] = {-0.08, -0.10, -0.06, 0.0, 0.08, 0.20, 0.12};
  out.true_log_mass.resize(flags.districts, columns);
  for (int d = 0; d < flags.districts; ++d) {
    const double level =
        std::log(out.populations[static_cast<size_t>(d)] * 0.025) + 0.4 * wbe::StandardNormal(rng);
    const double amplitude = 0.5 + wbe::UniformUnit(rng);
    double walk = 0.0;
    for (int c = 0; c < columns; ++c) {
      walk += 0.03 * wbe::StandardNormal(rng);
      const int day_of_week = ((c - warm_up) % 7 + 7) % 7;
      out.true_log_mass(d, c) = level + walk + amplitude * weekly[day_of_week];
    }
  }
  const Eigen::MatrixXd mass = out.true_log_mass.array().exp().matrix();
  double mg = 0.0;
  for (int d = 0; d < flags.districts; ++d) mg += mass.row(d).tail(flags.days).sum();
  const double persons = std::accumulate(out.populations.begin(), out.populations.end(), 0.0);
  out.city_mg_per_person_per_day = mg / (persons * flags.days);

  const Eigen::MatrixXd loads = network.ForwardLoads(mass, stability);
  std::vector<size_t> spike_candidates;
  for (int s = 0; s < static_cast<int>(network.site_count()); ++s) {
    for (int t = 0; t < flags.days; ++t) {
      const double u_missing = wbe::UniformUnit(rng);
      const double noise = std::exp(kNoiseLogSigma * wbe::StandardNormal(rng));
      const double u_censored = wbe::UniformUnit(rng);
      const double loq_above = std::exp(0.05 + 0.6 * wbe::UniformUnit(rng));
      if (u_missing < kMissingFraction) {
        ++out.missing;
        continue;
      }
      wbe::SiteLoadObservation observation;
      observation.site_index = static_cast<size_t>(s);
      observation.day_index = t;
      observation.load_mg_per_day = loads(s, warm_up + t) * noise;
      if (u_censored < kCensoredFraction) {
        // Reported "< LOQ": the measured load lies below the LOQ.
        observation.censored = true;
        observation.loq_load_mg_per_day = observation.load_mg_per_day * loq_above;
        ++out.censored;
      } else {
        spike_candidates.push_back(out.observations.size());
      }
      out.observations.push_back(observation);
    }
  }
  std::set<size_t> spiked;
  while (static_cast<int>(spiked.size()) < std::min<int>(flags.spikes, spike_candidates.size())) {
    const size_t pick =
        spike_candidates[static_cast<size_t>(wbe::UniformUnit(rng) * spike_candidates.size())];
    if (spiked.insert(pick).second) out.observations[pick].load_mg_per_day *= kSpikeFactor;
  }
  out.spikes = static_cast<int>(spiked.size());
  return out;
}

// ---------------------------------------------------------------------------------------------
// The problem NetworkInversion::Solve builds, mirrored term by term (same unknowns, same
// residuals, same weights, same start), to hand to SciPy and to evaluate the objective.

struct MirroredProblem {
  int columns = 0;  // warm-up + days per district
  int warm_up_days = 0;
  std::vector<double> x0;
  std::vector<double> prior_mean;  // per unknown
  double prior_sigma = 0.0;
  std::vector<int> rw_today;
  std::vector<int> rw_yesterday;
  double rw_sigma = 0.0;
  std::vector<size_t> offsets = {0};  // observation residual i: terms offsets[i] .. offsets[i+1]
  std::vector<int> term_columns;
  std::vector<double> term_weights;
  std::vector<double> log_value;  // log observed load, or log LOQ load when censored
  std::vector<double> sigma;
  std::vector<char> censored;
  wbe::RobustLoss loss = wbe::RobustLoss::kHuber;
  double loss_scale = 1.0;

  size_t parameters() const { return x0.size(); }
  size_t observation_residuals() const { return log_value.size(); }
};

MirroredProblem Mirror(const wbe::SewerNetwork& network, const wbe::BiomarkerStability& stability,
                       const std::vector<double>& populations,
                       const std::vector<wbe::SiteLoadObservation>& observations, int day_count,
                       const wbe::InversionOptions& options) {
  MirroredProblem p;
  p.warm_up_days = wbe::NetworkInversion::WarmUpDays(network);
  p.columns = p.warm_up_days + day_count;
  const size_t districts = network.district_count();
  auto index = [&](size_t district, int day) {
    return static_cast<int>(district * static_cast<size_t>(p.columns)) + day + p.warm_up_days;
  };
  p.prior_sigma = options.per_capita_log_sigma;
  p.rw_sigma = options.random_walk_log_sigma_per_day;
  for (size_t d = 0; d < districts; ++d) {
    const double prior = std::log(populations[d]) + options.per_capita_log_mg_per_person_per_day;
    for (int day = -p.warm_up_days; day < day_count; ++day) {
      p.x0.push_back(prior);
      p.prior_mean.push_back(prior);
      if (day > -p.warm_up_days) {
        p.rw_today.push_back(index(d, day));
        p.rw_yesterday.push_back(index(d, day - 1));
      }
    }
  }
  for (const wbe::SiteLoadObservation& observation : observations) {
    const size_t first_term = p.term_columns.size();
    for (const wbe::Route& route : network.Routes(observation.site_index)) {
      const double survival = network.Survival(route, stability);
      const int day = observation.day_index - route.whole_days_lag;
      const double same = survival * (1.0 - route.spill_fraction);
      const double before = survival * route.spill_fraction;
      if (same > 0.0) {
        p.term_columns.push_back(index(route.district_index, day));
        p.term_weights.push_back(same);
      }
      if (before > 0.0) {
        p.term_columns.push_back(index(route.district_index, day - 1));
        p.term_weights.push_back(before);
      }
    }
    if (p.term_columns.size() == first_term) continue;
    p.offsets.push_back(p.term_columns.size());
    p.censored.push_back(observation.censored ? 1 : 0);
    p.log_value.push_back(std::log(observation.censored ? observation.loq_load_mg_per_day
                                                        : observation.load_mg_per_day));
    p.sigma.push_back(observation.log_sigma > 0.0 ? observation.log_sigma
                                                  : options.observation_log_sigma);
  }
  p.loss = options.loss;
  p.loss_scale = options.loss_scale;
  return p;
}

// Ceres' rho(s) for a squared residual s (HuberLoss, CauchyLoss, or none).
double Rho(wbe::RobustLoss loss, double scale, double s) {
  const double b = scale * scale;
  switch (loss) {
    case wbe::RobustLoss::kHuber:
      return s > b ? 2.0 * std::sqrt(s) * scale - b : s;
    case wbe::RobustLoss::kCauchy:
      return b * std::log1p(s / b);
    case wbe::RobustLoss::kTrivial:
      break;
  }
  return s;
}

// Ceres' cost, 0.5 x sum of rho(residual^2), at x (every unknown, warm-up days included), with
// the residuals of cost_functions.h.
double Objective(const MirroredProblem& p, const std::vector<double>& x) {
  double sum = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = (x[i] - p.prior_mean[i]) / p.prior_sigma;
    sum += r * r;
  }
  for (size_t i = 0; i < p.rw_today.size(); ++i) {
    const double r =
        (x[static_cast<size_t>(p.rw_today[i])] - x[static_cast<size_t>(p.rw_yesterday[i])]) /
        p.rw_sigma;
    sum += r * r;
  }
  std::vector<const double*> theta;
  for (size_t i = 0; i < p.observation_residuals(); ++i) {
    theta.clear();
    const std::vector<double> weights(
        p.term_weights.begin() + static_cast<std::ptrdiff_t>(p.offsets[i]),
        p.term_weights.begin() + static_cast<std::ptrdiff_t>(p.offsets[i + 1]));
    for (size_t k = p.offsets[i]; k < p.offsets[i + 1]; ++k) {
      theta.push_back(&x[static_cast<size_t>(p.term_columns[k])]);
    }
    double residual[1];
    if (p.censored[i]) {
      wbe::CensoredLoadCost(weights, p.log_value[i], p.sigma[i])(theta.data(), residual);
      sum += residual[0] * residual[0];
    } else {
      wbe::ObservedLoadCost(weights, p.log_value[i], p.sigma[i])(theta.data(), residual);
      sum += Rho(p.loss, p.loss_scale, residual[0] * residual[0]);
    }
  }
  return 0.5 * sum;
}

nlohmann::json ProblemJson(const MirroredProblem& p, const wbe::InversionOptions& options) {
  std::vector<int> censored(p.censored.begin(), p.censored.end());
  const char* loss = p.loss == wbe::RobustLoss::kHuber    ? "huber"
                     : p.loss == wbe::RobustLoss::kCauchy ? "cauchy"
                                                          : "trivial";
  return {{"format", "wbe-network-inversion-problem/1"},
          {"parameters", p.parameters()},
          {"x0", p.x0},
          {"observations",
           {{"offsets", p.offsets},
            {"columns", p.term_columns},
            {"weights", p.term_weights},
            {"log_value", p.log_value},
            {"sigma", p.sigma},
            {"censored", censored}}},
          {"random_walk",
           {{"today", p.rw_today}, {"yesterday", p.rw_yesterday}, {"sigma", p.rw_sigma}}},
          {"prior", {{"mean", p.prior_mean}, {"sigma", p.prior_sigma}}},
          {"loss", {{"kind", loss}, {"scale", p.loss_scale}}},
          {"tolerances",
           {{"function", options.function_tolerance},
            {"parameter", options.parameter_tolerance},
            {"gradient", options.gradient_tolerance}}},
          {"max_nfev", options.max_num_iterations}};
}

// ---------------------------------------------------------------------------------------------
// Accuracy against the truth.

struct Accuracy {
  double weekly_mare_resolved = std::nan("");
  double weekly_mare_groups = std::nan("");
};

// log_mass: districts x days (day 0 first).
Accuracy Score(const Eigen::MatrixXd& log_mass, const SyntheticCity& truth,
               const std::vector<std::vector<size_t>>& resolved_groups,
               const std::vector<std::vector<size_t>>& unresolved_groups) {
  const int weeks = static_cast<int>(log_mass.cols()) / 7;
  auto weekly = [&](const std::vector<size_t>& members, int week, bool estimate) {
    double sum = 0.0;
    for (size_t d : members) {
      for (int t = 7 * week; t < 7 * week + 7; ++t) {
        sum += std::exp(
            estimate ? log_mass(static_cast<Eigen::Index>(d), t)
                     : truth.true_log_mass(static_cast<Eigen::Index>(d), truth.warm_up_days + t));
      }
    }
    return sum;
  };
  auto mare = [&](const std::vector<std::vector<size_t>>& groups) {
    std::vector<double> errors;
    for (const std::vector<size_t>& members : groups) {
      for (int w = 0; w < weeks; ++w) {
        errors.push_back(std::abs(weekly(members, w, true) / weekly(members, w, false) - 1.0));
      }
    }
    return wbe::Median(errors);
  };
  Accuracy accuracy;
  accuracy.weekly_mare_resolved = mare(resolved_groups);
  accuracy.weekly_mare_groups = mare(unresolved_groups);
  return accuracy;
}

// ---------------------------------------------------------------------------------------------

struct SolverRow {
  std::string solver;
  double wall_s = 0.0;
  double cpu_s = 0.0;  // process CPU seconds (all threads): steadier on a busy machine
  std::string iterations;
  double final_cost = 0.0;
  Accuracy accuracy;
  std::string note;
};

double CpuSeconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

std::string RunCommand(const std::string& command, int* status) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int raw = ::pclose(pipe);
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int Run(const Flags& flags) {
  const wbe::DrugCatalogue catalogue = wbe::DrugCatalogue::LoadDefault();
  const wbe::BiomarkerStability stability = catalogue.GetBiomarker(kDrug).stability;
  const SyntheticCity synthetic = MakeCity(flags, stability);
  const wbe::SewerNetwork network = wbe::SewerNetwork::Build(synthetic.city);

  const std::vector<wbe::DistrictGroup> groups = wbe::IdentifiabilityGroups(network);
  std::vector<std::vector<size_t>> resolved;
  std::vector<std::vector<size_t>> unresolved;
  std::vector<size_t> group_sizes;
  for (const wbe::DistrictGroup& group : groups) {
    std::vector<size_t> members;
    for (const std::string& id : group.district_ids) members.push_back(network.DistrictIndex(id));
    if (group.unobserved) continue;
    (group.resolved ? resolved : unresolved).push_back(members);
    if (!group.resolved) group_sizes.push_back(members.size());
  }

  wbe::InversionOptions options;  // defaults: Huber loss at 1 sigma
  options.per_capita_log_mg_per_person_per_day = std::log(synthetic.city_mg_per_person_per_day);
  if (!flags.linear_solver.empty()) {
    ceres::StringToLinearSolverType(flags.linear_solver, &options.linear_solver_type);
  }
  if (flags.function_tolerance > 0.0) options.function_tolerance = flags.function_tolerance;
  const MirroredProblem mirrored = Mirror(network, stability, synthetic.populations,
                                          synthetic.observations, flags.days, options);
  const double mirrored_initial_cost = Objective(mirrored, mirrored.x0);

  std::vector<SolverRow> rows;
  double ceres_initial_cost = 0.0;
  std::string ceres_report;
  for (int threads : flags.threads) {
    options.num_threads = threads;
    double best = 0.0;
    double best_cpu = 0.0;
    wbe::InversionResult result;
    for (int r = 0; r < flags.repeats; ++r) {
      const Clock::time_point start = Clock::now();
      const double cpu_start = CpuSeconds();
      result = wbe::NetworkInversion::Solve(network, stability, synthetic.populations,
                                            synthetic.observations, flags.days, options);
      const double s = std::chrono::duration<double>(Clock::now() - start).count();
      const double cpu = CpuSeconds() - cpu_start;
      best = r == 0 ? s : std::min(best, s);
      best_cpu = r == 0 ? cpu : std::min(best_cpu, cpu);
    }
    SolverRow row;
    row.solver = "Ceres, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    row.wall_s = best;
    row.cpu_s = best_cpu;
    row.iterations = std::to_string(result.iterations);
    row.final_cost = result.final_cost;
    row.accuracy = Score(result.log_mass_mg_per_day, synthetic, resolved, unresolved);
    row.note = result.linear_solver + (result.converged ? ", converged" : ", NOT converged");
    rows.push_back(row);
    ceres_initial_cost = result.initial_cost;
    ceres_report = result.ceres_brief_report;
  }

  // SciPy on the same problem.
  std::optional<SolverRow> scipy_row;
  std::string scipy_status;
  double scipy_reported_cost = std::nan("");
  std::string scipy_version;
  const fs::path temp_dir =
      fs::temp_directory_path() / ("wbe-bench-network-inversion-" + std::to_string(::getpid()));
  const std::string script = std::string(WBE_SOURCE_DATA_DIR) + "/bench/scipy_network_inversion.py";
  if (!flags.scipy) {
    scipy_status = "skipped (--no-scipy)";
  } else if (::access(flags.python.c_str(), X_OK) != 0) {
    scipy_status = "not run: " + flags.python + " is missing (apt-get install python3-scipy)";
  } else {
    fs::create_directories(temp_dir);
    const fs::path problem_path = temp_dir / "problem.json";
    {
      std::ofstream out(problem_path);
      out << ProblemJson(mirrored, options).dump();
      if (!out) throw std::runtime_error("cannot write " + problem_path.string());
    }
    int status = 0;
    const std::string output = RunCommand(
        Quoted(flags.python) + " " + Quoted(script) + " " + Quoted(problem_path.string()) +
            " --repeats " + std::to_string(flags.repeats) + " --tr-solver " +
            flags.scipy_tr_solver + " --tolerances " + flags.scipy_tolerances,
        &status);
    if (status == 3) {
      scipy_status =
          "not run: " + flags.python + " cannot import SciPy (apt-get install python3-scipy)";
    } else if (status != 0) {
      scipy_status = "failed: the script exited with status " + std::to_string(status);
    } else {
      const nlohmann::json reply = nlohmann::json::parse(output);
      const std::vector<double> x = reply.at("x").get<std::vector<double>>();
      if (x.size() != mirrored.parameters()) {
        throw std::runtime_error("SciPy returned " + std::to_string(x.size()) +
                                 " values, expected " + std::to_string(mirrored.parameters()));
      }
      Eigen::MatrixXd log_mass(static_cast<Eigen::Index>(network.district_count()), flags.days);
      for (Eigen::Index d = 0; d < log_mass.rows(); ++d) {
        for (int t = 0; t < flags.days; ++t) {
          log_mass(d, t) = x[static_cast<size_t>(d * mirrored.columns + mirrored.warm_up_days + t)];
        }
      }
      SolverRow row;
      row.solver = "SciPy trf/" + flags.scipy_tr_solver;
      row.wall_s = reply.at("time_s").get<double>();
      row.cpu_s = reply.at("cpu_s").get<double>();
      row.iterations = std::to_string(reply.at("njev").get<int>()) + " (" +
                       std::to_string(reply.at("nfev").get<int>()) + " f)";
      row.final_cost = Objective(mirrored, x);
      row.accuracy = Score(log_mass, synthetic, resolved, unresolved);
      row.note = "status " + std::to_string(reply.at("status").get<int>());
      scipy_reported_cost = reply.at("cost").get<double>();
      scipy_version = reply.at("scipy_version").get<std::string>();
      scipy_row = row;
      scipy_status = "ok";
    }
  }
  if (!flags.keep) fs::remove_all(temp_dir);

  const double ratio = scipy_row ? scipy_row->wall_s / rows.front().wall_s : std::nan("");
  const double cpu_ratio = scipy_row ? scipy_row->cpu_s / rows.front().cpu_s : std::nan("");
  // Equal or better error: Ceres' MAREs no more than SciPy's plus 0.1 percentage point.
  const bool equal_or_better =
      scipy_row &&
      rows.front().accuracy.weekly_mare_resolved <=
          scipy_row->accuracy.weekly_mare_resolved + 1e-3 &&
      (unresolved.empty() ||
       rows.front().accuracy.weekly_mare_groups <= scipy_row->accuracy.weekly_mare_groups + 1e-3);
  const bool goal_met = scipy_row && ratio >= 10.0 && equal_or_better;

  if (flags.json) {
    nlohmann::json solvers = nlohmann::json::array();
    for (const SolverRow& row : rows) {
      solvers.push_back({{"solver", row.solver},
                         {"wall_s", row.wall_s},
                         {"cpu_s", row.cpu_s},
                         {"iterations", row.iterations},
                         {"final_cost", row.final_cost},
                         {"weekly_mare_resolved", row.accuracy.weekly_mare_resolved},
                         {"weekly_mare_groups", row.accuracy.weekly_mare_groups},
                         {"note", row.note}});
    }
    if (scipy_row) {
      solvers.push_back({{"solver", scipy_row->solver},
                         {"wall_s", scipy_row->wall_s},
                         {"cpu_s", scipy_row->cpu_s},
                         {"iterations", scipy_row->iterations},
                         {"final_cost", scipy_row->final_cost},
                         {"weekly_mare_resolved", scipy_row->accuracy.weekly_mare_resolved},
                         {"weekly_mare_groups", scipy_row->accuracy.weekly_mare_groups},
                         {"note", scipy_row->note}});
    }
    nlohmann::json line = {{"bench", "network_inversion"},
                           {"seed", flags.seed},
                           {"districts", flags.districts},
                           {"sites", network.site_count()},
                           {"days", flags.days},
                           {"warm_up_days", synthetic.warm_up_days},
                           {"unknowns", mirrored.parameters()},
                           {"observations", synthetic.observations.size()},
                           {"resolved_districts", resolved.size()},
                           {"unresolved_groups", unresolved.size()},
                           {"repeats", flags.repeats},
                           {"function_tolerance", options.function_tolerance},
                           {"scipy_tolerances", flags.scipy_tolerances},
                           {"solvers", solvers},
                           {"scipy", scipy_status},
                           {"goal_met", goal_met}};
    line["speed_ratio_scipy_over_ceres"] = scipy_row ? nlohmann::json(ratio) : nlohmann::json();
    line["cpu_ratio_scipy_over_ceres"] = scipy_row ? nlohmann::json(cpu_ratio) : nlohmann::json();
    std::printf("%s\n", line.dump().c_str());
    return 0;
  }

  std::string sizes;
  for (size_t size : group_sizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(size);
  std::printf(
      "city: seed %llu, %d districts (%zu resolved; %zu unresolved group%s of %s), %zu sites, "
      "%d days + %d "
      "warm-up (travel times up to %.0f h, %d rising mains); %s\n",
      static_cast<unsigned long long>(flags.seed), flags.districts, resolved.size(),
      unresolved.size(), unresolved.size() == 1 ? "" : "s", sizes.empty() ? "-" : sizes.c_str(),
      network.site_count(), flags.days, synthetic.warm_up_days, synthetic.max_travel_time_h,
      synthetic.rising_mains, kDrug);
  std::printf(
      "problem: %zu unknowns, %zu site-day residuals (%d censored, %d missing, %d x10 spikes, "
      "%zu terms), %zu random-walk and %zu prior residuals; Huber at %.3g sigma; tolerances "
      "(function, parameter, gradient) %g, %g, %g\n",
      mirrored.parameters(), mirrored.observation_residuals(), synthetic.censored,
      synthetic.missing, synthetic.spikes, mirrored.term_columns.size(), mirrored.rw_today.size(),
      mirrored.parameters(), options.loss_scale, options.function_tolerance,
      options.parameter_tolerance, options.gradient_tolerance);
  std::printf(
      "objective check: initial cost %.10g (Ceres) vs %.10g (mirror, used for SciPy's row)\n\n",
      ceres_initial_cost, mirrored_initial_cost);
  std::printf("%-22s %9s %9s %12s %15s %12s %12s  %s\n", "solver", "wall s", "cpu s", "iterations",
              "final cost", "wk MARE res", "wk MARE grp", "note");
  auto print_row = [](const SolverRow& row) {
    std::printf("%-22s %9.3f %9.3f %12s %15.7f %11.2f%% %11.2f%%  %s\n", row.solver.c_str(),
                row.wall_s, row.cpu_s, row.iterations.c_str(), row.final_cost,
                100.0 * row.accuracy.weekly_mare_resolved, 100.0 * row.accuracy.weekly_mare_groups,
                row.note.c_str());
  };
  for (const SolverRow& row : rows) print_row(row);
  if (scipy_row) {
    print_row(*scipy_row);
    std::printf(
        "\nSciPy %s: cost %.10g as it reports, %.10g under the mirrored objective\n"
        "speed ratio SciPy / Ceres (%d thread%s): %.2fx wall time (%.2fx CPU time); error %s; "
        "goal (>= 10x at equal or better error): %s\n",
        scipy_version.c_str(), scipy_reported_cost, scipy_row->final_cost, flags.threads.front(),
        flags.threads.front() == 1 ? "" : "s", ratio, cpu_ratio,
        equal_or_better ? "equal or better" : "WORSE", goal_met ? "met" : "NOT met");
  } else {
    std::printf("\nSciPy: %s\n", scipy_status.c_str());
  }
  std::printf("%s\n", ceres_report.c_str());
  if (flags.keep && fs::exists(temp_dir)) {
    std::printf("problem kept: %s\n", (temp_dir / "problem.json").string().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  try {
    return Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_network_inversion: error: %s\n", e.what());
    return 1;
  }
}
