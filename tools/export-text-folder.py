"""Small transformers.js / Optimum-style text-classifier folders with Captum references, for @salience/text.

Run:
    /tmp/venv/bin/python tools/export-text-folder.py [OUTDIR] [--only distilbert,bert,roberta,gpt2] [--captum PATH]
    /tmp/venv/bin/python tools/export-text-folder.py /tmp/distilbert-base --large     # 66M parameters, no references
    /tmp/venv/bin/python tools/export-text-folder.py --time-captum /tmp/distilbert-base   # used by tools/bench-text.ts

OUTDIR defaults to packages/text/fixtures. Captum is not installed: bring it with the fetch tool
(github:pytorch/captum), then
    mkdir -p /tmp/captum-src && git --git-dir=<fetched git dir> archive HEAD captum | tar -x -C /tmp/captum-src
--captum (default /tmp/captum-src) is put on sys.path.

Each folder is what transformers.js and Optimum users hold:
    config.json             the transformers config (model_type, id2label, pad_token_id, ...)
    tokenizer.json          a real tokenizer, trained here with the `tokenizers` library on a few hundred
                            sentences this script writes (WordPiece for BERT/DistilBERT, byte-level BPE
                            for RoBERTa and GPT-2)
    tokenizer_config.json   tokenizer_class and the special tokens
    onnx/model.onnx         torch.onnx.export of the transformers model (TorchScript exporter, opset 17),
                            inputs input_ids + attention_mask (+ token_type_ids for BERT), dynamic batch
                            and sequence axes, output `logits`
    onnx/model_quantized.onnx  onnxruntime.quantization.quantize_dynamic of model.onnx (QUInt8 weights,
                            DynamicQuantizeLinear + MatMulInteger), as transformers.js downloads by default
plus (not with --large) cases.json / cases.bin: the texts, the Python tokenizer's ids, tokens and
offsets, and the Captum references in the format of @salience/testing's fixtures (float64 result
`<case>`, float32 result `<case>_f32`, `f32Distance` = Captum's own float32 noise).

Models: `transformers` architectures from configs with seeded random weights (nothing downloaded),
hidden size 32, two layers, three labels (negative / neutral / positive).

References (target: the class given per text; attention_mask (and token_type_ids) of the real text
passed as additional_forward_args, so baselines and ablated copies keep the real mask):
    token_ig            LayerIntegratedGradients on the word embeddings, baseline: every token the pad
                        token (padding kept), Gauss-Legendre, 16 steps, summed over D
    token_ig_mask       the same with the mask token as baseline (tokenizers that have one)
    embedding_gradient  LayerGradientXActivation(multiply_by_inputs=False): d logit / d embeddings
    token_grad_l2       its L2 norm over D (Saliency on the embeddings)
    token_grad_x_emb    LayerGradientXActivation summed over D
    token_ablation_pad  FeatureAblation on input_ids, baseline the pad id (one token at a time)
    token_occlusion2_pad Occlusion on input_ids, window 2, stride 1, baseline the pad id
    quantized_logits, quantized_ablation_pad, quantized_occlusion2_pad: the same forward-only
                        references computed by Captum through onnxruntime on onnx/model_quantized.onnx,
                        one row per onnxruntime call (dynamic quantization scales over the whole batch)
"""
import argparse
import json
import os
import random
import shutil
import sys
import time

sys.modules["torchvision"] = None  # the installed torchvision does not load with this torch; transformers then skips it

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

OPSET = 17
IG_STEPS = 16
LABELS = {0: "negative", 1: "neutral", 2: "positive"}

# ---------------------------------------------------------------------------------------------
# corpus: a few hundred short reviews, seeded

SUBJECTS = ["the film", "this movie", "the plot", "the acting", "the soundtrack", "the ending", "our dinner",
            "the service", "the hotel room", "the new phone", "the battery", "the camera", "this book",
            "the story", "the director", "the café", "the naïve hero", "the weather", "the concert", "Maria's cake"]
VERBS = ["was", "is", "seemed", "felt", "looked", "turned out"]
ADJS = ["good", "great", "wonderful", "bad", "terrible", "boring", "fine", "okay", "average", "brilliant",
        "awful", "gripping", "dull", "beautiful", "slow", "surprising", "predictable", "charming"]
TAILS = ["", ".", "!", "...", ", honestly.", " overall.", ", I think.", " and I loved it.", " but too long.",
         " - never again!", " (really).", ", 10/10.", " for $12.", " in 2024."]


def corpus(n, seed):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        s = f"{rnd.choice(SUBJECTS)} {rnd.choice(VERBS)} {rnd.choice(['', 'not ', 'very ', 'quite '])}{rnd.choice(ADJS)}{rnd.choice(TAILS)}"
        out.append(s[0].upper() + s[1:] if rnd.random() < 0.6 else s)
    return out


TEXTS = ["The film was not good, honestly.", "A charming café!"]
TARGETS = [2, 0]


# ---------------------------------------------------------------------------------------------
# tokenizers

def wordpiece_tokenizer(sentences, lowercase=True):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(sentences, trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials, min_frequency=2))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##")
    config = {"tokenizer_class": "BertTokenizer", "do_lower_case": lowercase, "model_max_length": 32,
              "pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]",
              "clean_up_tokenization_spaces": False}
    return tok, config


def bytelevel_tokenizer(sentences, kind):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    if kind == "roberta":
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    else:
        specials = ["<|endoftext|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(sentences, trainers.BpeTrainer(vocab_size=400, special_tokens=specials, min_frequency=2,
                                                           initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.decoder = decoders.ByteLevel()
    if kind == "roberta":
        tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=False)
        config = {"tokenizer_class": "RobertaTokenizer", "model_max_length": 32, "bos_token": "<s>", "eos_token": "</s>",
                  "pad_token": "<pad>", "unk_token": "<unk>", "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>",
                  "clean_up_tokenization_spaces": False}
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        config = {"tokenizer_class": "GPT2Tokenizer", "model_max_length": 32, "bos_token": "<|endoftext|>",
                  "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "clean_up_tokenization_spaces": False}
    return tok, config


# ---------------------------------------------------------------------------------------------
# models

def build(kind, vocab, large=False):
    import transformers as tr
    common = dict(vocab_size=vocab, num_labels=3, id2label=LABELS, label2id={v: k for k, v in LABELS.items()},
                  initializer_range=0.1)
    bert_like = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    if kind == "distilbert":
        if large:  # distilbert-base-uncased's shape: 66M parameters
            return tr.DistilBertForSequenceClassification(tr.DistilBertConfig(
                vocab_size=30522, num_labels=3, id2label=LABELS, label2id={v: k for k, v in LABELS.items()},
                dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0, pad_token_id=0))
        return tr.DistilBertForSequenceClassification(tr.DistilBertConfig(
            **common, dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=64, pad_token_id=0,
            dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0))
    if kind == "bert":
        return tr.BertForSequenceClassification(tr.BertConfig(**common, **bert_like, max_position_embeddings=64,
                                                              type_vocab_size=2, pad_token_id=0))
    if kind == "roberta":
        return tr.RobertaForSequenceClassification(tr.RobertaConfig(**common, **bert_like, max_position_embeddings=66,
                                                                    type_vocab_size=1, pad_token_id=1, bos_token_id=0,
                                                                    eos_token_id=2))
    if kind == "gpt2":
        # GPT-2 has no pad token; classifiers set pad_token_id to the end-of-text id (0 here), and the
        # classifier reads the logits of the last token before the first pad.
        return tr.GPT2ForSequenceClassification(tr.GPT2Config(**common, n_embd=32, n_layer=2, n_head=2, n_positions=64,
                                                               pad_token_id=0, bos_token_id=0, eos_token_id=0,
                                                               use_cache=False, resid_pdrop=0.0, embd_pdrop=0.0,
                                                               attn_pdrop=0.0, summary_first_dropout=0.0))
    raise SystemExit(f"unknown kind {kind}")


MODELS = {
    # name: (graph inputs, word-embedding module)
    "distilbert": (["input_ids", "attention_mask"], "distilbert.embeddings.word_embeddings"),
    "bert": (["input_ids", "attention_mask", "token_type_ids"], "bert.embeddings.word_embeddings"),
    "roberta": (["input_ids", "attention_mask"], "roberta.embeddings.word_embeddings"),
    "gpt2": (["input_ids", "attention_mask"], "transformer.wte"),
}


def module(model, path):
    for part in path.split("."):
        model = getattr(model, part)
    return model


class Logits(nn.Module):
    """forward(*inputs) -> logits for Captum (positional inputs, one tensor out)."""

    def __init__(self, model, names):
        super().__init__()
        self.m = model
        self.names = names

    def forward(self, *xs):
        return self.m(**dict(zip(self.names, xs))).logits


def lively(model, gen):
    """Redraw linear layers as normal(0, 1/fan_in) and embeddings as normal(0, 1) so that the logits
    depend on the words (transformers' 0.1 init leaves them nearly constant)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * m.weight.shape[1] ** -0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, nn.Embedding):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen))
            elif type(m).__name__ == "Conv1D":  # GPT-2's linear layers
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * m.weight.shape[0] ** -0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


# ---------------------------------------------------------------------------------------------
# fixture arrays (the format of @salience/testing's Captum fixtures)

class Arrays:
    def __init__(self):
        self.buf = bytearray()
        self.index = {}

    def add(self, name, arr, **meta):
        a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        self.index[name] = {"offset": len(self.buf), "shape": list(a.shape), **meta}
        self.buf += a.tobytes()

    def save(self, folder, extra):
        with open(os.path.join(folder, "cases.bin"), "wb") as f:
            f.write(self.buf)
        with open(os.path.join(folder, "cases.json"), "w") as f:
            json.dump({"dtype": "float32", "byteOrder": "little", **extra, "arrays": self.index}, f, indent=1)


def np_(t):
    return t.detach().cpu().double().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, dtype=np.float64)


def add_case(arrays, name, f32, f64, **meta):
    f32, f64 = np_(f32), np_(f64)
    scale = float(np.max(np.abs(f64)))
    d = float(np.max(np.abs(f32 - f64)) / scale) if scale > 0 else 0.0
    arrays.add(name, f64, f32Distance=d, **meta)
    arrays.add(name + "_f32", f32)
    return d


# ---------------------------------------------------------------------------------------------
# one folder

def write_folder(name, out, seed, large=False):
    names, embpath = MODELS[name]
    folder = os.path.join(out, name) if not large else out
    shutil.rmtree(os.path.join(folder, "onnx"), ignore_errors=True)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    sentences = corpus(400, seed)
    if name in ("distilbert", "bert"):
        tok, tok_config = wordpiece_tokenizer(sentences)
    else:
        tok, tok_config = bytelevel_tokenizer(sentences, name)
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tok_config, f, indent=1)

    torch.manual_seed(seed)
    model = build(name, tok.get_vocab_size(), large).eval()
    if not large:
        lively(model, torch.Generator().manual_seed(seed + 1))
    model.config.save_pretrained(folder)  # config.json with model_type, id2label, pad_token_id
    # transformers.js reads transformers_version etc.; nothing else is needed from the config.

    pad = model.config.pad_token_id
    encs = [tok.encode(t) for t in TEXTS]
    T = max(len(e.ids) for e in encs)
    ids = torch.full((len(TEXTS), T), pad, dtype=torch.long)
    for i, e in enumerate(encs):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
    mask = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        mask[i, : len(e.ids)] = 1
    tti = torch.zeros_like(ids)
    extra = {"attention_mask": mask, "token_type_ids": tti}
    companions = tuple(extra[n] for n in names[1:])

    path = os.path.join(folder, "onnx", "model.onnx")
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    axes["logits"] = {0: "batch_size"}
    with torch.no_grad():
        torch.onnx.export(model, (), path, kwargs=dict(zip(names, (ids, *companions))), dynamo=False,
                          opset_version=OPSET, input_names=names, output_names=["logits"], dynamic_axes=axes,
                          do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    from onnxruntime.quantization import QuantType, quantize_dynamic
    qpath = os.path.join(folder, "onnx", "model_quantized.onnx")
    quantize_dynamic(path, qpath, weight_type=QuantType.QUInt8)
    for leftover in os.listdir(os.path.join(folder, "onnx")):
        if leftover not in ("model.onnx", "model_quantized.onnx"):
            os.remove(os.path.join(folder, "onnx", leftover))
    params = sum(p.numel() for p in model.parameters())
    if large:
        torch.save(model.state_dict(), os.path.join(folder, "model.pt"))
        with open(os.path.join(folder, "bench.json"), "w") as f:
            json.dump({"kind": name, "seed": seed, "inputs": names, "embeddingLayer": embpath, "parameters": params}, f)
        print(f"{folder}: {params} parameters, {os.path.getsize(path) / 1e6:.1f} MB")
        return

    feeds = {"input_ids": ids.numpy(), **{n: extra[n].numpy() for n in names[1:]}}
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    qsess = ort.InferenceSession(qpath, so, providers=["CPUExecutionProvider"])

    from captum.attr import FeatureAblation, LayerGradientXActivation, LayerIntegratedGradients, Occlusion
    wrapper = Logits(model, names).eval()
    arrays = Arrays()
    arrays.add("input_ids", ids)
    for n in names[1:]:
        arrays.add(n, extra[n])
    arrays.add("target", np.array(TARGETS))
    mask_id = tok.token_to_id(tok_config["mask_token"]) if "mask_token" in tok_config else None

    results = {}
    for dtype in (torch.float32, torch.float64):
        w = wrapper.to(dtype)
        emb = module(w.m, embpath)
        r = results.setdefault(dtype, {})
        with torch.no_grad():
            r["logits"] = w(ids, *companions)
        lig = LayerIntegratedGradients(w, emb)
        baselines = {"token_ig": pad}
        if mask_id is not None:
            baselines["token_ig_mask"] = mask_id
        for case, b in baselines.items():
            base = torch.where(mask.bool(), torch.full_like(ids, b), ids)  # padding stays padding
            a, d = lig.attribute(ids, baselines=base, target=TARGETS, additional_forward_args=companions,
                                 n_steps=IG_STEPS, method="gausslegendre", return_convergence_delta=True)
            r[case], r[case + "_delta"] = a.sum(-1), d
        grad = LayerGradientXActivation(w, emb, multiply_by_inputs=False).attribute(
            ids, target=TARGETS, additional_forward_args=companions)
        r["embedding_gradient"], r["token_grad_l2"] = grad, grad.norm(dim=-1)
        r["token_grad_x_emb"] = LayerGradientXActivation(w, emb).attribute(
            ids, target=TARGETS, additional_forward_args=companions).sum(-1)
        r["token_ablation_pad"] = FeatureAblation(w).attribute(
            ids, baselines=pad, target=TARGETS, additional_forward_args=companions, perturbations_per_eval=16)
        r["token_occlusion2_pad"] = Occlusion(w).attribute(
            ids, sliding_window_shapes=(2,), strides=1, baselines=pad, target=TARGETS,
            additional_forward_args=companions, perturbations_per_eval=16)
    wrapper.float()

    f32, f64 = results[torch.float32], results[torch.float64]
    onnx_logits = sess.run(["logits"], feeds)[0]
    logit_err = float(np.max(np.abs(onnx_logits - f32["logits"].numpy())))
    assert logit_err < 1e-4 * max(1.0, float(np.max(np.abs(onnx_logits)))), f"{name}: onnxruntime logits differ by {logit_err}"
    spread = float(np.max(np.abs(np_(f64["logits"])[0] - np_(f64["logits"])[1])))
    assert spread > 1e-2, f"{name}: the logits barely depend on the text ({spread})"

    floors = {}
    lig_desc = f"LayerIntegratedGradients({embpath}, gausslegendre, n_steps={IG_STEPS}, additional_forward_args={names[1:]})"
    for case in f32:
        if case == "embedding_gradient" or case.endswith("_delta"):
            floors[case] = add_case(arrays, case, f32[case], f64[case])
            continue
        meta = {"token_ig": {"method": lig_desc + f" baseline pad id {pad}, summed over D", "steps": IG_STEPS, "baselineTokenId": pad},
                "token_ig_mask": {"method": lig_desc + f" baseline mask id {mask_id}, summed over D", "steps": IG_STEPS, "baselineTokenId": mask_id},
                "token_grad_l2": {"method": "L2 norm over D of LayerGradientXActivation(multiply_by_inputs=False)"},
                "token_grad_x_emb": {"method": f"LayerGradientXActivation({embpath}) summed over D"},
                "token_ablation_pad": {"method": f"FeatureAblation(input_ids, baselines={pad})"},
                "token_occlusion2_pad": {"method": f"Occlusion(input_ids, sliding_window_shapes=(2,), strides=1, baselines={pad})"},
                "logits": {}}[case]
        floors[case] = add_case(arrays, case, f32[case], f64[case], **meta)

    # forward-only references on the quantized model, through onnxruntime (Captum on a forward function)
    # DynamicQuantizeLinear takes one scale per tensor, over the whole batch: a row's logits depend
    # on the other rows in its call. Run one row per call (as @salience/text does) so that the
    # references do not depend on how the rows were batched.
    def qforward(*xs):
        rows = []
        for r in range(xs[0].shape[0]):
            qfeeds = {n: x[r : r + 1].numpy().astype(np.int64) for n, x in zip(names, xs)}
            rows.append(torch.from_numpy(qsess.run(["logits"], qfeeds)[0]).double())
        return torch.cat(rows)

    arrays.add("quantized_logits", qforward(ids, *companions))
    arrays.add("quantized_ablation_pad", FeatureAblation(qforward).attribute(
        ids, baselines=pad, target=TARGETS, additional_forward_args=companions, perturbations_per_eval=16),
        method=f"FeatureAblation(onnxruntime(model_quantized.onnx), input_ids, baselines={pad})")
    arrays.add("quantized_occlusion2_pad", Occlusion(qforward).attribute(
        ids, sliding_window_shapes=(2,), strides=1, baselines=pad, target=TARGETS, additional_forward_args=companions,
        perturbations_per_eval=16), method=f"Occlusion(onnxruntime(model_quantized.onnx), window 2, stride 1, baselines={pad})")

    qops = sorted({n.op_type for n in onnx.load(qpath).graph.node} - {n.op_type for n in onnx.load(path).graph.node})
    meta = {
        "kind": "text", "architecture": type(model).__name__, "texts": TEXTS, "inputs": names,
        "padTokenId": pad, "maskTokenId": mask_id, "embeddingLayer": embpath,
        "tokens": [e.tokens for e in encs], "ids": [e.ids for e in encs], "offsets": [[list(o) for o in e.offsets] for e in encs],
        "specialTokensMask": [e.special_tokens_mask for e in encs],
        "onnxLogitsError": logit_err, "parameters": params, "quantizedOps": qops,
    }
    arrays.save(folder, meta)
    sizes = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(folder) for f in fs)
    worst = ", ".join(f"{k} {v:.1e}" for k, v in floors.items() if v > 1e-4)
    print(f"{name:11s} {sizes / 1e6:5.2f} MB  {params:7d} params  T={T}  vocab {tok.get_vocab_size()}  "
          f"quantized ops {qops}  f32 floors>1e-4: {worst or '-'}")


# ---------------------------------------------------------------------------------------------
# Captum timing for tools/bench-text.ts (one 32-token text, LayerIntegratedGradients, 50 steps)

def time_captum(folder, threads):
    from captum.attr import LayerIntegratedGradients
    info = json.load(open(os.path.join(folder, "bench.json")))
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    torch.manual_seed(info["seed"])
    model = build(info["kind"], tok.get_vocab_size(), large=True).eval()
    model.load_state_dict(torch.load(os.path.join(folder, "model.pt")))
    wrapper = Logits(model, info["inputs"]).eval()
    load = time.perf_counter() - t0
    ids = torch.tensor([json.load(open(os.path.join(folder, "bench-ids.json")))])
    mask = torch.ones_like(ids)
    lig = LayerIntegratedGradients(wrapper, module(model, info["embeddingLayer"]))
    base = torch.zeros_like(ids)
    times = []
    for _ in range(4):
        t0 = time.perf_counter()
        lig.attribute(ids, baselines=base, target=1, additional_forward_args=(mask,), n_steps=50, method="gausslegendre",
                      internal_batch_size=50)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"load": load, "first": times[0], "warm": sorted(times[1:])[1], "threads": threads,
                      "torch": torch.__version__}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "packages", "text", "fixtures"))
    parser.add_argument("--only", default="")
    parser.add_argument("--captum", default="/tmp/captum-src")
    parser.add_argument("--large", action="store_true", help="one DistilBERT-base-size folder (66M parameters) in OUT, no references")
    parser.add_argument("--time-captum", default=None, help="time Captum LayerIntegratedGradients on a --large folder")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    sys.path.insert(0, args.captum)
    torch.use_deterministic_algorithms(True)
    if args.time_captum:
        return time_captum(args.time_captum, args.threads)
    if args.large:
        return write_folder("distilbert", args.out, 7000, large=True)
    only = set(filter(None, args.only.split(",")))
    for seed, name in enumerate(MODELS):
        if not only or name in only:
            write_folder(name, args.out, 3000 + 10 * seed)


if __name__ == "__main__":
    main()
