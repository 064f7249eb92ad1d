#include "model_reader.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "field_reader.hpp"
#include "hardware_reader.hpp"

namespace colossim::spec {

// Deeper than any model built; bounds the per-layer loops.
constexpr std::int64_t kMaxLayers = 100000;

namespace {

Activation parse_activation(const std::string& field, const std::string& s) {
    if (s == "gelu") return Activation::gelu;
    if (s == "relu") return Activation::relu;
    if (s == "squared_relu") return Activation::squared_relu;
    if (s == "swiglu") return Activation::swiglu;
    throw InputError(field, s, "one of gelu, relu, squared_relu, swiglu");
}

}  // namespace

ModelSpec read_model_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics) {
    FieldReader r(node, path, diagnostics);
    ModelSpec m;
    m.name = r.text("name");
    m.family = r.optional_text("family").value_or("custom");
    m.description = r.optional_text("description").value_or("");
    m.layers = r.integer("layers", 1, kMaxLayers);
    m.hidden = r.integer("hidden");
    m.heads = r.integer("heads");
    m.kv_heads = r.optional_integer("kv_heads").value_or(m.heads);
    m.head_dim = r.optional_integer("head_dim").value_or(m.hidden / m.heads);
    m.vocab = r.integer("vocab");
    m.max_seq_len = r.optional_integer("max_seq_len").value_or(0);
    m.activation = parse_activation(r.path_of("activation"),
                                    r.choice("activation", {"gelu", "relu", "squared_relu", "swiglu"}));
    auto pos = r.optional_text("position_embedding").value_or("rope");
    if (pos != "rope" && pos != "learned") throw InputError(r.path_of("position_embedding"), pos, "rope or learned");
    m.position_embedding = pos == "learned" ? PositionEmbedding::learned : PositionEmbedding::rope;
    // Gated-MLP families (Llama, Mistral, Qwen, DeepSeek) use RMSNorm; GPT-2/3 and MPT LayerNorm.
    const std::string norm = r.optional_text("norm").value_or(m.gated_mlp() ? "rmsnorm" : "layernorm");
    if (norm != "rmsnorm" && norm != "layernorm") throw InputError(r.path_of("norm"), norm, "rmsnorm or layernorm");
    m.norm = norm == "rmsnorm" ? Norm::rmsnorm : Norm::layernorm;
    m.tie_embeddings = r.optional_flag("tie_embeddings").value_or(false);
    m.bias = r.optional_flag("bias").value_or(false);
    m.parallel_block = r.optional_flag("parallel_block").value_or(false);
    m.sliding_window = r.optional_integer("sliding_window", 0).value_or(0);
    m.local_layers = r.optional_integer("local_layers", 0, kMaxLayers).value_or(m.sliding_window > 0 ? m.layers : 0);
    if (m.local_layers > m.layers) {
        throw InputError(r.path_of("local_layers"), std::to_string(m.local_layers),
                         "at most the layers (" + std::to_string(m.layers) + ")");
    }
    if (r.has("moe")) {
        FieldReader moe(r.raw("moe"), r.path_of("moe"), diagnostics);
        m.moe.experts = moe.integer("experts");
        m.moe.top_k = moe.integer("top_k");
        m.moe.ffn_hidden = moe.integer("ffn_hidden");
        m.moe.shared_experts = moe.optional_integer("shared_experts", 0).value_or(0);
        m.moe.shared_ffn_hidden = moe.optional_integer("shared_ffn_hidden", 0).value_or(m.moe.ffn_hidden);
        m.moe.first_dense_layers = moe.optional_integer("first_dense_layers", 0).value_or(0);
        m.moe.groups = moe.optional_integer("groups", 0).value_or(0);
        m.moe.group_top_k = moe.optional_integer("group_top_k", 0).value_or(0);
        moe.finish();
    } else {
        r.raw("moe");
    }
    // A model that is all MoE may leave ffn_hidden out.
    m.ffn_hidden = m.moe.enabled() && m.moe.first_dense_layers == 0 ? r.optional_integer("ffn_hidden").value_or(0)
                                                                     : r.integer("ffn_hidden");
    if (r.has("mla")) {
        FieldReader mla(r.raw("mla"), r.path_of("mla"), diagnostics);
        m.mla.q_lora_rank = mla.optional_integer("q_lora_rank", 0).value_or(0);
        m.mla.kv_lora_rank = mla.integer("kv_lora_rank");
        m.mla.qk_nope_head_dim = mla.integer("qk_nope_head_dim");
        m.mla.qk_rope_head_dim = mla.integer("qk_rope_head_dim");
        m.mla.v_head_dim = mla.integer("v_head_dim");
        mla.finish();
        // MLA's query/key heads are nope + rope wide (DeepSeek-V3: 192), its value heads
        // v_head_dim (128): never hidden / heads (56), as the HuggingFace reader also says.
        m.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;
    } else {
        r.raw("mla");
    }
    m.sources = read_sources_map(r.raw("sources"), r.path_of("sources"));
    r.finish();
    check_model(m, path);
    return m;
}

bool looks_like_hf_config(const YAML::Node& node) {
    return node.IsMap() && node["model_type"].IsDefined() && node["model_type"].IsScalar();
}

namespace {

// First key of `keys` that is present and not null.
std::string first_present(FieldReader& r, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        if (r.has(k)) return k;
    }
    return *keys.begin();
}

std::int64_t hf_integer(FieldReader& r, std::initializer_list<const char*> keys, std::int64_t min = 1) {
    return r.integer(first_present(r, keys), min);
}

// Families whose MLP is gated (SiLU or GELU of one projection times another: SwiGLU,
// GeGLU); the others' MLP is one activation between two projections.
const std::set<std::string> kGatedFamilies = {
    "llama",   "mistral", "mixtral",   "qwen2",      "qwen2_moe",   "qwen3",       "qwen3_moe", "deepseek_v2",
    "deepseek_v3", "gemma", "gemma2", "gemma3_text", "phi3",        "phimoe",      "olmo",      "olmo2",
    "olmoe",   "granite", "granitemoe", "glm",       "glm4",        "internlm2",   "cohere",    "cohere2",
    "llama4_text"};
const std::set<std::string> kKnownFamilies = [] {
    std::set<std::string> f = kGatedFamilies;
    f.insert({"gpt2", "nemotron", "falcon", "starcoder2"});
    return f;
}();
// Config classes whose tie_word_embeddings defaults to true when the file leaves it out
// (transformers' GemmaConfig, CohereConfig, Starcoder2Config, GPT2Config). Falcon's output
// layer is its own: 7.22 B and 41.8 B parameters as published for Falcon-7B and -40B.
const std::set<std::string> kTiedByDefault = {"gpt2", "gemma", "gemma2", "gemma3_text", "cohere", "cohere2", "starcoder2"};
// Multimodal wrappers: the language model is the text_config (the vision tower is not
// modelled); the text model's family where the text_config leaves it out.
const std::map<std::string, std::string> kTextConfigFamily = {
    {"gemma3", "gemma3_text"}, {"llama4", "llama4_text"}, {"mistral3", "mistral"}, {"llava", "llama"},
    {"llava_next", "llama"},   {"qwen2_vl", "qwen2"},    {"qwen2_5_vl", "qwen2"}, {"paligemma", "gemma"}};

}  // namespace

ModelSpec read_hf_config(const YAML::Node& document, const std::string& source_name, Diagnostics& diagnostics) {
    Diagnostics ignored;  // HF configs carry many keys colossim has no use for: no warnings.
    YAML::Node node = document;
    std::string wrapper;
    {
        FieldReader outer(document, source_name, ignored);
        const std::string type = outer.text("model_type");
        const auto text = kTextConfigFamily.find(type);
        if (text != kTextConfigFamily.end() || (outer.has("text_config") && !kKnownFamilies.count(type))) {
            if (!outer.has("text_config") || !outer.raw("text_config").IsMap()) {
                throw InputError(source_name + ".text_config", "", "the language model's config (a " + type + " config holds one)");
            }
            node = YAML::Clone(outer.raw("text_config"));
            if (!node["model_type"].IsDefined() || !node["model_type"].IsScalar()) {
                node["model_type"] = text != kTextConfigFamily.end() ? text->second : type;
            }
            // A wrapper's tie_word_embeddings sits beside text_config (Gemma 3, LLaVA).
            if (!node["tie_word_embeddings"].IsDefined() && outer.has("tie_word_embeddings")) {
                node["tie_word_embeddings"] = outer.raw("tie_word_embeddings");
            }
            wrapper = type;
        }
    }
    FieldReader r(node, wrapper.empty() ? source_name : source_name + ".text_config", ignored);
    ModelSpec m;
    m.family = r.text("model_type");
    // Hybrids whose layers are partly state-space (Mamba) mixers: their attention and MLP
    // layers could be priced, their scans cannot yet, so they are refused by name.
    static const std::set<std::string> kStateSpace = {"jamba", "nemotron_h", "mamba", "mamba2", "falcon_mamba",
                                                      "falcon_h1", "zamba", "zamba2", "bamba", "granitemoehybrid"};
    if (kStateSpace.count(m.family)) {
        throw InputError(r.path_of("model_type"), m.family,
                         "a transformer: this family's state-space (Mamba) layers are not modelled yet (their "
                         "selective-scan kernels and states); its attention-only relatives are read");
    }
    if (!kKnownFamilies.count(m.family)) {
        std::string valid = "one of";
        for (const auto& f : kKnownFamilies) valid += " " + f;
        throw InputError(r.path_of("model_type"), m.family, valid);
    }
    m.name = r.optional_text("_name_or_path").value_or(source_name);
    m.description = "HuggingFace config (" + m.family + ")";
    m.layers = r.integer(first_present(r, {"num_hidden_layers", "n_layer"}), 1, kMaxLayers);
    m.hidden = hf_integer(r, {"hidden_size", "n_embd"});
    m.heads = hf_integer(r, {"num_attention_heads", "n_head"});
    m.kv_heads = r.optional_integer("num_key_value_heads").value_or(m.heads);
    m.head_dim = r.optional_integer("head_dim").value_or(m.hidden / m.heads);
    m.vocab = r.integer("vocab_size");
    m.max_seq_len = r.has("max_position_embeddings") ? r.integer("max_position_embeddings")
                                                     : r.optional_integer(first_present(r, {"n_positions", "n_ctx"}))
                                                           .value_or(0);
    if (r.has("n_inner") || r.has("intermediate_size")) {
        m.ffn_hidden = hf_integer(r, {"intermediate_size", "n_inner"});
    } else {
        m.ffn_hidden = 4 * m.hidden;  // GPT-2: n_inner null means 4 * n_embd
    }
    m.tie_embeddings = r.optional_flag("tie_word_embeddings").value_or(kTiedByDefault.count(m.family) > 0);
    std::string act = r.optional_text(first_present(r, {"hidden_act", "activation_function"})).value_or("gelu");
    if (kGatedFamilies.count(m.family)) {
        m.activation = Activation::swiglu;  // these families' MLPs are gated (SiLU(xW1)·xW3)
    } else if (act == "relu2") {
        m.activation = Activation::squared_relu;
    } else if (act == "relu") {
        m.activation = Activation::relu;
    } else {
        m.activation = Activation::gelu;
    }
    m.position_embedding = m.family == "gpt2" ? PositionEmbedding::learned : PositionEmbedding::rope;
    // The epsilon's name says which norm the family uses (rms_norm_eps: Llama, Qwen, Mistral,
    // DeepSeek; layer_norm_epsilon / layer_norm_eps: GPT-2; norm_eps: Nemotron's LayerNorm1P).
    m.norm = r.has("rms_norm_eps") ? Norm::rmsnorm
             : r.has("layer_norm_epsilon") || r.has("layer_norm_eps") || r.has("norm_eps") ? Norm::layernorm
             : m.gated_mlp() ? Norm::rmsnorm : Norm::layernorm;
    m.bias = m.family == "gpt2" || r.optional_flag("mlp_bias").value_or(false) || r.optional_flag("use_bias").value_or(false) ||
             (m.family == "falcon" && r.optional_flag("bias").value_or(false));
    // Falcon: multi-query (one K/V head) in the 7B design, num_kv_heads groups in the new
    // decoder architecture; attention and MLP in parallel from one norm (parallel_attn).
    if (m.family == "falcon") {
        const bool new_arch = r.optional_flag("new_decoder_architecture").value_or(false);
        if (new_arch) m.kv_heads = r.optional_integer(first_present(r, {"num_kv_heads", "n_head_kv"})).value_or(m.heads);
        else if (r.optional_flag("multi_query").value_or(true)) m.kv_heads = 1;
        m.parallel_block = new_arch || r.optional_flag("parallel_attn").value_or(true);
        if (r.has("ffn_hidden_size")) m.ffn_hidden = r.integer("ffn_hidden_size");
        if (r.optional_flag("alibi").value_or(false)) diagnostics.warn(source_name + ": ALiBi positions priced as rotary (no FLOP change)");
    }
    // Cohere's Command R: one LayerNorm feeds attention and MLP in parallel.
    if (m.family == "cohere" || m.family == "cohere2") m.parallel_block = true;
    // Sliding-window layers: all of them (Mistral, StarCoder2), every second (Gemma 2),
    // layer_types or pattern-1 of every pattern (Gemma 3: 5 local to 1 global).
    const bool qwen = m.family.starts_with("qwen");  // Qwen's window is off unless use_sliding_window
    if (r.has("sliding_window") && (!qwen || r.optional_flag("use_sliding_window").value_or(false))) {
        m.sliding_window = r.integer("sliding_window");
        if (r.has("layer_types") && r.raw("layer_types").IsSequence()) {
            for (const auto& t : r.raw("layer_types")) m.local_layers += t.IsScalar() && t.Scalar() == "sliding_attention";
        } else if (m.family == "gemma2") {
            m.local_layers = m.layers / 2;
        } else if (m.family == "gemma3_text" || m.family == "cohere2") {
            const std::int64_t pattern = r.optional_integer("sliding_window_pattern").value_or(m.family == "cohere2" ? 4 : 6);
            m.local_layers = m.layers - m.layers / pattern;
        } else {
            m.local_layers = m.layers;
        }
        if (qwen) {  // the layers from max_window_layers on
            m.local_layers = std::max<std::int64_t>(0, m.layers - r.optional_integer("max_window_layers", 0).value_or(0));
        }
    }
    if (m.family == "llama4_text" && r.has("attention_chunk_size")) {
        diagnostics.warn(source_name + ": Llama 4's chunked-attention layers are priced as full attention");
    }
    if (!wrapper.empty()) diagnostics.warn(source_name + ": " + wrapper + " config: its language model (text_config) only; the vision tower is not modelled");

    // Mixture of experts: each family names it differently.
    if (m.family == "mixtral" || m.family == "phimoe" || m.family == "granitemoe") {
        m.moe.experts = r.integer("num_local_experts");
        m.moe.top_k = r.integer("num_experts_per_tok");
        m.moe.ffn_hidden = m.ffn_hidden;
    } else if (m.family == "olmoe") {
        m.moe.experts = r.integer("num_experts");
        m.moe.top_k = r.integer("num_experts_per_tok");
        m.moe.ffn_hidden = m.ffn_hidden;
    } else if (m.family == "llama4_text") {
        // Llama 4: routed experts of intermediate_size plus one shared expert as wide; the
        // dense layers' MLP is intermediate_size_mlp; every interleave_moe_layer_step-th
        // layer is MoE.
        m.moe.experts = r.integer("num_local_experts");
        m.moe.top_k = r.integer("num_experts_per_tok");
        m.moe.ffn_hidden = m.ffn_hidden;
        m.moe.shared_experts = 1;
        m.moe.shared_ffn_hidden = m.ffn_hidden;
        const std::int64_t step = r.optional_integer("interleave_moe_layer_step").value_or(1);
        m.moe.first_dense_layers = m.layers - m.layers / step;
        if (r.has("intermediate_size_mlp")) m.ffn_hidden = r.integer("intermediate_size_mlp");
    } else if (m.family == "qwen2_moe" || m.family == "qwen3_moe") {
        m.moe.experts = r.integer("num_experts");
        m.moe.top_k = r.integer("num_experts_per_tok");
        m.moe.ffn_hidden = r.integer("moe_intermediate_size");
        if (r.has("shared_expert_intermediate_size") &&
            r.integer("shared_expert_intermediate_size", 0) > 0) {
            m.moe.shared_experts = 1;  // Qwen2-MoE: one shared expert of this width
            m.moe.shared_ffn_hidden = r.integer("shared_expert_intermediate_size");
        }
        // A layer is sparse when (i + 1) % decoder_sparse_step == 0 and it is not listed in
        // mlp_only_layers; count the dense ones.
        std::int64_t step = r.optional_integer("decoder_sparse_step").value_or(1);
        std::set<std::int64_t> mlp_only;
        if (r.has("mlp_only_layers")) {
            auto list = r.raw("mlp_only_layers");
            if (!list.IsSequence()) throw InputError(r.path_of("mlp_only_layers"), "", "a list of layer indices");
            for (const auto& v : list) {
                std::int64_t i = 0;
                if (!v.IsScalar() || !YAML::convert<std::int64_t>::decode(v, i)) {
                    throw InputError(r.path_of("mlp_only_layers"), v.IsScalar() ? v.Scalar() : "", "a list of layer indices");
                }
                mlp_only.insert(i);
            }
        }
        std::int64_t dense = 0;
        for (std::int64_t i = 0; i < m.layers; ++i) {
            if (mlp_only.count(i) || (i + 1) % step != 0) ++dense;
        }
        m.moe.first_dense_layers = dense;
    } else if (m.family == "deepseek_v3" || m.family == "deepseek_v2") {
        m.moe.experts = r.integer("n_routed_experts");
        m.moe.top_k = r.integer("num_experts_per_tok");
        m.moe.ffn_hidden = r.integer("moe_intermediate_size");
        m.moe.shared_experts = r.optional_integer("n_shared_experts", 0).value_or(0);
        m.moe.shared_ffn_hidden = m.moe.ffn_hidden;
        m.moe.first_dense_layers = r.optional_integer("first_k_dense_replace", 0).value_or(0);
        m.moe.groups = r.optional_integer("n_group", 0).value_or(0);  // group-limited routing
        m.moe.group_top_k = r.optional_integer("topk_group", 0).value_or(0);
        m.mla.q_lora_rank = r.has("q_lora_rank") ? r.integer("q_lora_rank", 0) : 0;
        m.mla.kv_lora_rank = r.integer("kv_lora_rank");
        m.mla.qk_nope_head_dim = r.integer("qk_nope_head_dim");
        m.mla.qk_rope_head_dim = r.integer("qk_rope_head_dim");
        m.mla.v_head_dim = r.integer("v_head_dim");
        m.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;
        if (r.optional_integer("num_nextn_predict_layers", 0).value_or(0) > 0) {
            diagnostics.warn(source_name + ": num_nextn_predict_layers (multi-token prediction) is not modelled");
        }
    }
    check_model(m, source_name);
    return m;
}

void check_model(const ModelSpec& m, const std::string& path) {
    auto field = [&](const char* f) { return path + "." + f; };
    if (m.heads % m.kv_heads != 0) {
        throw InputError(field("kv_heads"), std::to_string(m.kv_heads),
                         "must divide heads = " + std::to_string(m.heads));
    }
    if (!m.mla.enabled() && m.head_dim * m.heads < m.hidden / 8) {
        throw InputError(field("head_dim"), std::to_string(m.head_dim), "heads x head_dim far below hidden: check it");
    }
    if (m.moe.enabled()) {
        if (m.moe.top_k > m.moe.experts) {
            throw InputError(field("moe.top_k"), std::to_string(m.moe.top_k),
                             "at most the number of experts (" + std::to_string(m.moe.experts) + ")");
        }
        if (m.moe.first_dense_layers > m.layers) {
            throw InputError(field("moe.first_dense_layers"), std::to_string(m.moe.first_dense_layers),
                             "at most the number of layers (" + std::to_string(m.layers) + ")");
        }
        if (m.moe.first_dense_layers > 0 && m.ffn_hidden <= 0) {
            throw InputError(field("ffn_hidden"), "", "required when the model has dense layers");
        }
        if (m.moe.groups > 0 && m.moe.experts % m.moe.groups != 0) {
            throw InputError(field("moe.groups"), std::to_string(m.moe.groups),
                             "must divide the experts (" + std::to_string(m.moe.experts) + ")");
        }
        if (m.moe.group_top_k > 0 && m.moe.groups == 0) {
            throw InputError(field("moe.group_top_k"), std::to_string(m.moe.group_top_k), "needs moe.groups");
        }
        if (m.moe.group_top_k > 0 && (m.moe.group_top_k > m.moe.groups ||
                                 m.moe.group_top_k * (m.moe.experts / m.moe.groups) < m.moe.top_k)) {
            throw InputError(field("moe.group_top_k"), std::to_string(m.moe.group_top_k),
                             "between 1 and moe.groups, its groups holding at least top_k experts");
        }
    } else if (m.ffn_hidden <= 0) {
        throw InputError(field("ffn_hidden"), std::to_string(m.ffn_hidden), "a whole number >= 1");
    }
}

}  // namespace colossim::spec

namespace colossim {
const char* to_string(Activation a) {
    switch (a) {
        case Activation::gelu: return "gelu";
        case Activation::relu: return "relu";
        case Activation::squared_relu: return "squared_relu";
        case Activation::swiglu: return "swiglu";
    }
    return "?";
}
const char* to_string(PositionEmbedding p) { return p == PositionEmbedding::learned ? "learned" : "rope"; }
const char* to_string(Norm n) { return n == Norm::rmsnorm ? "rmsnorm" : "layernorm"; }
}  // namespace colossim
