#include <nlohmann/json.hpp>

#include "colossim/report.hpp"
#include "json_object.hpp"

namespace colossim {

nlohmann::ordered_json result_object(const Scenario& s, const Parallelism& p, std::int64_t micro_batch,
                                     const StepResult& r) {
    const auto& b = r.breakdown;
    nlohmann::ordered_json j;
    j["model"] = s.model.name;
    j["cluster"] = s.cluster.name;
    j["gpu"] = s.cluster.gpu.name;
    j["gpus"] = s.gpus;
    j["parallelism"] = {{"tp", p.tp},
                        {"pp", p.pp},
                        {"vpp", p.vpp},
                        {"dp", p.dp},
                        {"cp", p.cp},
                        {"ep", p.ep},
                        {"etp", p.expert_tp()},
                        {"zero", p.zero},
                        {"recompute", to_string(p.recompute)},
                        {"recompute_layers", p.recompute_layers},
                        {"sequence_parallel", p.sequence_parallel},
                        {"dp_overlap", p.dp_overlap},
                        {"ep_overlap", p.ep_overlap},
                        {"tp_overlap", p.tp_overlap},
                        {"cp_impl", to_string(p.cp_impl)},
                        {"zero_impl", to_string(p.zero_impl)},
                        {"tp_impl", to_string(p.tp_impl)},
                        {"moe_dispatcher", to_string(p.moe_dispatcher)},
                        {"micro_batch", micro_batch}};
    j["step_time_s"] = r.step_time.value;
    j["mfu"] = r.mfu;
    j["hfu"] = r.hfu;
    j["model_tflops_per_gpu"] = r.model_flops_per_gpu.value / 1e12;
    j["hardware_tflops_per_gpu"] = r.hardware_flops_per_gpu.value / 1e12;
    j["tokens_per_s"] = r.tokens_per_s;
    j["micro_batches"] = r.micro_batches;
    j["critical_stage"] = r.critical_stage;
    j["params_total"] = r.params_total;
    j["params_active"] = r.params_active;
    j["breakdown"] = {{"compute_s", b.compute.value},   {"tp_comm_s", b.tp_comm.value},
                      {"cp_comm_s", b.cp_comm.value},   {"ep_comm_s", b.ep_comm.value},
                      {"pp_comm_s", b.pp_comm.value},   {"dp_comm_s", b.dp_comm.value},
                      {"bubble_s", b.bubble.value},     {"optimizer_s", b.optimizer.value},
                      {"host_s", b.host.value}};
    const auto& m = r.memory;
    j["memory"] = {{"stage", m.stage},
                   {"weights_bytes", m.weights.value},
                   {"gradients_bytes", m.gradients.value},
                   {"optimizer_bytes", m.optimizer.value},
                   {"activations_bytes", m.activations.value},
                   {"total_bytes", m.total.value},
                   {"capacity_bytes", m.capacity.value},
                   {"fits", m.fits}};
    if (s.training.tokens > 0) {
        j["tokens"] = s.training.tokens;
        j["time_to_train_s"] = r.time_to_train.value;
        j["gpu_hours"] = r.gpu_hours;
        j["energy_mwh"] = r.energy_mwh;
        j["cost_usd"] = r.cost_usd;
    } else {
        j["tokens"] = nullptr;
        j["time_to_train_s"] = nullptr;
        j["gpu_hours"] = nullptr;
        j["energy_mwh"] = nullptr;
        j["cost_usd"] = nullptr;
    }
    return j;
}

std::string estimate_json(const Scenario& s, const StepResult& r, const std::vector<std::string>& warnings) {
    nlohmann::ordered_json j = result_object(s, s.parallelism, s.training.micro_batch, r);
    j["warnings"] = warnings;
    return j.dump(2);
}

}  // namespace colossim
