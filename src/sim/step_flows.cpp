#include "step_flows.hpp"

#include <algorithm>
#include <map>

#include "colossim/collective_sim.hpp"

namespace colossim {

namespace {
// Where a ring's domains hold unequal shares of its members (ring_channels), its time
// hangs on the crossing out of the domain with the fewest, whose NICs carry the most
// channels: the index of that edge (r[i] -> r[i+1]), or -1 where every domain holds as
// many and any member's edge stands for the others.
std::int64_t sparsest_crossing(const Topology& topo, const std::vector<std::int64_t>& r) {
    std::map<std::int64_t, std::int64_t> held;
    for (std::int64_t g : r) ++held[g / topo.domain_size()];
    std::int64_t fewest = std::int64_t(r.size()), most = 0;
    for (const auto& [domain, count] : held) {
        fewest = std::min(fewest, count);
        most = std::max(most, count);
    }
    if (fewest == most) return -1;
    for (std::size_t i = 0; i < r.size(); ++i) {
        const std::int64_t a = r[i], b = r[(i + 1) % r.size()];
        if (!topo.same_domain(a, b) && held[a / topo.domain_size()] == fewest) return std::int64_t(i);
    }
    return -1;
}
}  // namespace

// Every flow the step can start, by what starts it. Full mode: the real paths. Symmetric
// mode: the representatives' flows on the links any representative flow crosses, each
// weighted by how many of its copies (the same flow in every other replica) cross it.
void build_step_flows(const Topology& topo, const StepShape& shape, StepFlows& out) {
    const bool full = shape.mode == SimMode::full;
    const Layout& lay = shape.layout;
    const std::int64_t stages = shape.stages, members_count = shape.members;
    const std::size_t entities = std::size_t(stages * shape.per_stage);
    // A template: one simulated flow and the copies it stands for (itself included).
    struct Template {
        std::int64_t from, to;
        std::vector<std::pair<std::int64_t, std::int64_t>> copies;
    };
    // (entity or stage) -> templates, for P2P forward, P2P backward, DP ring.
    std::vector<std::vector<Template>> fwd(entities), bwd(entities), ring(static_cast<std::size_t>(stages)),
        tree(static_cast<std::size_t>(stages)), expert_ring(static_cast<std::size_t>(stages));
    auto coords = [&](std::int64_t index_in_stage) {
        return std::pair<std::int64_t, std::int64_t>{index_in_stage % lay.cp, index_in_stage / lay.cp};
    };
    for (std::size_t e = 0; e < entities; ++e) {
        if (stages < 2) break;
        const std::int64_t stage = std::int64_t(e) / shape.per_stage;
        const auto [c, d] = coords(std::int64_t(e) % shape.per_stage);
        const std::int64_t next = (stage + 1) % stages, prev = (stage + stages - 1) % stages;
        for (std::int64_t t = 0; t < lay.tp; ++t) {
            Template f{lay.gpu(t, c, d, stage), lay.gpu(t, c, d, next), {}};
            Template b{lay.gpu(t, c, d, stage), lay.gpu(t, c, d, prev), {}};
            if (!full) {
                for (std::int64_t i = 0; i < members_count; ++i) {
                    const auto [ci, di] = coords(i);
                    f.copies.emplace_back(lay.gpu(t, ci, di, stage), lay.gpu(t, ci, di, next));
                    b.copies.emplace_back(lay.gpu(t, ci, di, stage), lay.gpu(t, ci, di, prev));
                }
            }
            fwd[e].push_back(std::move(f));
            bwd[e].push_back(std::move(b));
        }
    }
    if (members_count > 1) {
        for (std::int64_t st = 0; st < stages; ++st) {
            for (std::int64_t t = 0; t < lay.tp; ++t) {
                std::vector<std::int64_t> members;
                for (std::int64_t i = 0; i < members_count; ++i) {
                    const auto [c, d] = coords(i);
                    members.push_back(lay.gpu(t, c, d, st));
                }
                const auto rings = ring_channels(topo, members);
                out.channels = std::int64_t(rings.size());
                const std::int64_t rep = members[0];
                for (const auto& r : rings) {
                    const std::size_t n = r.size();
                    if (full) {
                        for (std::size_t i = 0; i < n; ++i) ring[std::size_t(st)].push_back({r[i], r[(i + 1) % n], {}});
                    } else {
                        Template tpl{0, 0, {}};
                        for (std::size_t i = 0; i < n; ++i) {
                            tpl.copies.emplace_back(r[i], r[(i + 1) % n]);
                            if (r[i] == rep) {
                                tpl.from = r[i];
                                tpl.to = r[(i + 1) % n];
                            }
                        }
                        if (const std::int64_t i = sparsest_crossing(topo, r); i >= 0) {
                            tpl.from = r[std::size_t(i)];
                            tpl.to = r[std::size_t(i + 1) % n];
                        }
                        ring[std::size_t(st)].push_back(std::move(tpl));
                    }
                }
                // NCCL's double binary tree for the all-reduces that pick it. Symmetric
                // mode keeps TP rank 0's whole tree (a tree is not the same seen from every
                // member), each edge standing for the same edge of the other TP ranks.
                if (!shape.trees || (!full && t > 0)) continue;
                const DoubleTree dt = double_tree(topo, members);
                out.tree_shape = DoubleTree{{}, dt.channels, dt.depth, dt.chain};
                for (const auto& [child, parent] : dt.edges) {
                    for (auto [a, b] : {std::pair{child, parent}, std::pair{parent, child}}) {
                        Template tpl{a, b, {}};
                        if (!full) {
                            for (std::int64_t u = 0; u < lay.tp; ++u) tpl.copies.emplace_back(a + u, b + u);
                        }
                        tree[std::size_t(st)].push_back(std::move(tpl));
                    }
                }
            }
            out.dp_per_domain = 0;
            for (std::int64_t i = 0; i < members_count; ++i) {
                const auto [c, d] = coords(i);
                if (topo.same_domain(lay.gpu(0, 0, 0, st), lay.gpu(0, c, d, st))) ++out.dp_per_domain;
            }
        }
    }

    // Expert-DP rings: the stage's ranks r = 0 .. tp*cp*dp-1 (GPU r + that count x stage)
    // sit at (expert TP a, EP b, expert DP k) with r = a + etp * (b + ep * k); each (a, b)
    // is one ring over k. Each template's copies are its own ring's edges, as the DP ring's.
    const std::int64_t stage_ranks = lay.tp * lay.cp * lay.dp;
    const std::int64_t groups = shape.expert_tp * shape.expert_parallel;
    const std::int64_t edp = groups > 0 ? stage_ranks / groups : 1;
    if (edp > 1 && groups * edp == stage_ranks) {
        for (std::int64_t st = 0; st < stages; ++st) {
            for (std::int64_t g = 0; g < groups; ++g) {
                std::vector<std::int64_t> members;
                for (std::int64_t k = 0; k < edp; ++k) members.push_back(g + groups * k + stage_ranks * st);
                const auto rings = ring_channels(topo, members);
                out.expert_channels = std::int64_t(rings.size());
                for (const auto& r : rings) {
                    const std::size_t n = r.size();
                    if (full) {
                        for (std::size_t i = 0; i < n; ++i) expert_ring[std::size_t(st)].push_back({r[i], r[(i + 1) % n], {}});
                        continue;
                    }
                    Template tpl{r[0], r[1 % n], {}};
                    if (const std::int64_t i = sparsest_crossing(topo, r); i >= 0) {
                        tpl.from = r[std::size_t(i)];
                        tpl.to = r[std::size_t(i + 1) % n];
                    }
                    for (std::size_t i = 0; i < n; ++i) tpl.copies.emplace_back(r[i], r[(i + 1) % n]);
                    expert_ring[std::size_t(st)].push_back(std::move(tpl));
                }
            }
        }
    }

    // CP rings and EP all-to-alls: groups of `group` consecutive entities of a stage (CP:
    // the CP ranks of one DP rank; EP: Megatron's folding with expert TP = TP). A ring
    // sends to the next member; an all-to-all to every other member (shift j = 1..n-1).
    auto group_templates = [&](std::int64_t group, bool all_pairs) {
        std::vector<std::vector<std::vector<Template>>> out(static_cast<std::size_t>(stages));
        if (group < 2) return out;
        const std::int64_t blocks = members_count / group;
        auto at = [&](std::int64_t t, std::int64_t st, std::int64_t index) {
            const auto [c, d] = coords(index);
            return lay.gpu(t, c, d, st);
        };
        const std::int64_t shifts = all_pairs ? group - 1 : 1;
        for (std::int64_t st = 0; st < stages; ++st) {
            auto& lists = out[std::size_t(st)];
            lists.resize(std::size_t(full ? blocks : 1));
            for (std::int64_t t = 0; t < lay.tp; ++t) {
                for (std::int64_t j = 1; j <= shifts; ++j) {
                    if (full) {
                        for (std::int64_t b = 0; b < blocks; ++b) {
                            for (std::int64_t i = 0; i < group; ++i) {
                                lists[std::size_t(b)].push_back(
                                    {at(t, st, b * group + i), at(t, st, b * group + (i + j) % group), {}});
                            }
                        }
                        continue;
                    }
                    Template tpl{at(t, st, 0), at(t, st, j % group), {}};
                    for (std::int64_t b = 0; b < blocks; ++b) {
                        for (std::int64_t i = 0; i < group; ++i) {
                            tpl.copies.emplace_back(at(t, st, b * group + i), at(t, st, b * group + (i + j) % group));
                        }
                    }
                    lists[0].push_back(std::move(tpl));
                }
            }
        }
        return out;
    };
    auto ep = group_templates(shape.ep_group, true);
    auto cp = group_templates(shape.cp_group, false);

    std::vector<Topology::LinkId> path;
    std::vector<std::int32_t> reduced_of;  // topology link -> reduced link, -1 none
    if (!full) {
        // The links the representatives' own flows cross.
        reduced_of.assign(topo.link_count(), -1);
        auto keep = [&](Topology::LinkId l) {
            if (reduced_of[l] >= 0) return;
            reduced_of[l] = std::int32_t(out.reduced_topology_id.size());
            out.reduced_topology_id.push_back(l);
            out.reduced.add_link(topo.capacity(l));
        };
        // Each template's own path, and the busiest link of every level among its copies:
        // a representative may not cross the tier where some of its copies meet (its leaf
        // sends nothing up while another replica's does), and the slowest copy is the one
        // its replicas wait for.
        std::vector<float> load(topo.link_count(), 0.0f);
        std::vector<Topology::LinkId> loaded;
        auto mark = [&](const Template& t) {
            path.clear();
            topo.path(t.from, t.to, path);
            for (auto l : path) keep(l);
            loaded.clear();
            for (const auto& [from, to] : t.copies) {
                path.clear();
                topo.path(from, to, path);
                for (auto l : path) {
                    if (load[l] == 0) loaded.push_back(l);
                    load[l] += 1;
                }
            }
            Topology::LinkId busiest[kLinkLevels] = {};
            float most[kLinkLevels] = {};
            for (auto l : loaded) {
                const int level = int(topo.level(l));
                if (load[l] > most[level] || (load[l] == most[level] && l < busiest[level])) {
                    most[level] = load[l];
                    busiest[level] = l;
                }
                load[l] = 0;
            }
            for (int level = 0; level < kLinkLevels; ++level) {
                if (most[level] > 0) keep(busiest[level]);
            }
        };
        for (auto* group : {&fwd, &bwd, &ring, &tree, &expert_ring}) {
            for (auto& list : *group) {
                for (auto& t : list) mark(t);
            }
        }
        for (auto* by_stage : {&ep, &cp}) {
            for (auto& lists : *by_stage) {
                for (auto& list : lists) {
                    for (auto& t : list) mark(t);
                }
            }
        }
    }
    std::vector<float> count;
    std::vector<std::int32_t> touched;
    auto to_set = [&](const std::vector<Template>& list) {
        FlowSet set;
        for (const auto& t : list) {
            if (full) {
                path.clear();
                topo.path(t.from, t.to, path);
                set.links.insert(set.links.end(), path.begin(), path.end());
            } else {
                count.resize(out.reduced_topology_id.size(), 0.0f);
                touched.clear();
                for (const auto& [from, to] : t.copies) {
                    path.clear();
                    topo.path(from, to, path);
                    for (auto l : path) {
                        const std::int32_t r = reduced_of[l];
                        if (r < 0) continue;
                        if (count[std::size_t(r)] == 0) touched.push_back(r);
                        count[std::size_t(r)] += 1;
                    }
                }
                std::sort(touched.begin(), touched.end());
                for (auto r : touched) {
                    set.links.push_back(FlowNetwork::LinkId(r));
                    set.weights.push_back(count[std::size_t(r)]);
                    count[std::size_t(r)] = 0;
                }
            }
            set.offset.push_back(std::uint32_t(set.links.size()));
        }
        return set;
    };
    for (std::size_t e = 0; e < entities; ++e) {
        out.p2p_fwd.push_back(to_set(fwd[e]));
        out.p2p_bwd.push_back(to_set(bwd[e]));
    }
    for (std::int64_t st = 0; st < stages; ++st) {
        out.ring.push_back(to_set(ring[std::size_t(st)]));
        out.tree.push_back(to_set(tree[std::size_t(st)]));
        out.expert_ring.push_back(to_set(expert_ring[std::size_t(st)]));
    }
    for (auto [from, into] : {std::pair{&ep, &out.ep}, std::pair{&cp, &out.cp}}) {
        into->resize(std::size_t(stages));
        for (std::int64_t st = 0; st < stages; ++st) {
            for (const auto& list : (*from)[std::size_t(st)]) (*into)[std::size_t(st)].push_back(to_set(list));
        }
    }
}

}  // namespace colossim
