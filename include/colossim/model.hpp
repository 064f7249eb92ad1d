// The shape of a transformer language model: what the FLOP, parameter and activation
// formulas need, and nothing about how it is trained. Read from our YAML schema
// (data/README.md) or from a HuggingFace config.json (src/spec/model_reader.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace colossim {

enum class Activation { gelu, relu, squared_relu, swiglu };  // swiglu = gated (SiLU·x)
enum class PositionEmbedding { learned, rope };
// The normalisation layer: what its kernels cost when PyTorch runs them eagerly differs
// (F.layer_norm is one kernel; an RMSNorm written in PyTorch is several).
enum class Norm { layernorm, rmsnorm };

// Mixture of experts (Mixtral, Qwen-MoE, DeepSeek). Absent when experts == 0.
struct MoeSpec {
    std::int64_t experts = 0;            // routed experts per MoE layer
    std::int64_t top_k = 0;              // routed experts per token
    std::int64_t ffn_hidden = 0;         // width of one routed expert
    std::int64_t shared_experts = 0;     // always-on experts (DeepSeek, Qwen2-MoE)
    std::int64_t shared_ffn_hidden = 0;  // width of one shared expert
    std::int64_t first_dense_layers = 0; // leading layers with a dense MLP (first_k_dense_replace)
    // Group-limited routing (DeepSeek-V3's n_group / topk_group): the experts form `groups`
    // equal groups of consecutive experts and a token takes its top_k from its
    // `group_top_k` best groups. 0: any expert. DeepSeek-V3's 8 groups of 32 experts lie on
    // 8 nodes under EP 64, so a token reaches at most 4 (arXiv 2412.19437 sec. 3.2.2).
    std::int64_t groups = 0, group_top_k = 0;
    bool enabled() const { return experts > 0; }
};

// Multi-head latent attention (DeepSeek-V2/V3). Absent when kv_lora_rank == 0.
struct MlaSpec {
    std::int64_t q_lora_rank = 0;  // 0: queries projected directly from hidden
    std::int64_t kv_lora_rank = 0;
    std::int64_t qk_nope_head_dim = 0;
    std::int64_t qk_rope_head_dim = 0;
    std::int64_t v_head_dim = 0;
    bool enabled() const { return kv_lora_rank > 0; }
};

struct ModelSpec {
    std::string name;
    std::string family;       // HF model_type
    std::string description;
    std::int64_t layers = 0;
    std::int64_t hidden = 0;
    std::int64_t ffn_hidden = 0;  // dense MLP width
    std::int64_t heads = 0;
    std::int64_t kv_heads = 0;
    std::int64_t head_dim = 0;
    std::int64_t vocab = 0;
    std::int64_t max_seq_len = 0;
    Activation activation = Activation::gelu;
    PositionEmbedding position_embedding = PositionEmbedding::rope;
    Norm norm = Norm::rmsnorm;
    bool tie_embeddings = false;
    bool bias = false;
    // Attention and MLP read the same normed input and their outputs are added (GPT-J,
    // Falcon, Cohere): one norm and one tensor-parallel reduction a layer, not two.
    bool parallel_block = false;
    // Sliding-window (local) attention: `local_layers` of the layers attend to the last
    // `sliding_window` tokens only (Mistral 7B, Gemma 2/3, StarCoder2); 0 = none.
    std::int64_t sliding_window = 0;
    std::int64_t local_layers = 0;
    MoeSpec moe;
    MlaSpec mla;
    std::map<std::string, std::string> sources;

    bool gated_mlp() const { return activation == Activation::swiglu; }
    std::int64_t dense_layers() const { return moe.enabled() ? moe.first_dense_layers : layers; }
    std::int64_t moe_layers() const { return layers - dense_layers(); }
    // The share of a causal attention's score square that is computed at `seq` tokens,
    // averaged over the layers (1 without sliding windows): a local layer at window w < s
    // computes s*w - w^2/2 of the s^2/2 entries.
    double attention_share(std::int64_t seq) const {
        if (sliding_window <= 0 || local_layers <= 0 || seq <= sliding_window) return 1.0;
        const double s = double(seq), w = double(sliding_window);
        const double local = (2 * s * w - w * w) / (s * s);
        const double f = double(local_layers) / double(layers);
        return 1.0 - f + f * local;
    }
};

const char* to_string(Activation a);
const char* to_string(PositionEmbedding p);
const char* to_string(Norm n);

}  // namespace colossim
