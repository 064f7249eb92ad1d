// Presenting planner results: a ranked table, one JSON object, CSV rows, an SQLite file.
#pragma once

#include <string>
#include <vector>

#include "colossim/plan.hpp"
#include "colossim/sweep.hpp"

namespace colossim {

std::string plan_table(const Scenario& base, const PlanResult& r, PlanObjective objective);
// {evaluated, candidates, elapsed_s, rejected{reason: count}, plans: [...]} — each plan
// the object of `estimate --json`.
std::string plan_json(const Scenario& base, const PlanResult& r, PlanObjective objective);

// The best plan of each GPU count, with the Pareto front (time, cost) or a deadline.
std::string gpu_counts_table(const Scenario& base, const std::vector<GpuCountResult>& results,
                             const std::vector<std::size_t>& front, double deadline_s);
std::string gpu_counts_json(const Scenario& base, const std::vector<GpuCountResult>& results,
                            const std::vector<std::size_t>& front, double deadline_s);

// A sweep: the best plan of every scenario of the grid, in grid order. No timings, so
// that runs on one process and on many print the same.
std::string sweep_table(const std::vector<SweepEntry>& entries);
std::string sweep_json(const std::vector<SweepEntry>& entries);

// CSV: one header line, then one line per plan (the scenario's identity repeated).
std::string plan_csv_header();
std::string plan_csv_rows(const Scenario& base, const std::vector<PlanRow>& rows);

// Appends one row per plan to table `plans` of an SQLite file (created if absent).
// Errors opening or writing the file are InputErrors on field "--db".
void write_plans_sqlite(const std::string& path, const Scenario& base, const std::vector<PlanRow>& rows);

}  // namespace colossim
