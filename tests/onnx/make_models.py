#!/usr/bin/python3
"""Writes the small ONNX models the import tests run through VideoAffect and ONNX Runtime.

Each model covers a group of the ops VideoAffect imports, under one of the opsets it reads (9 to
21), with NCHW (and one NHWC) image inputs and random weights from a fixed seed, so every run of
the tests builds the same files. A few deliberately broken models exercise the load errors.
Built with Debian's python3-onnx (onnx.helper); run: make_models.py OUTPUT_FOLDER.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(20261202)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def weights(name, *shape, scale=0.5):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def positive(name, *shape):
    return numpy_helper.from_array(rng.uniform(0.5, 1.5, shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def scalar(name, value):
    return numpy_helper.from_array(np.array(value, dtype=np.float32), name)


def image(name, channels, height, width, batch="N", nhwc=False):
    dims = [batch, height, width, channels] if nhwc else [batch, channels, height, width]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def output(name, *dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))


def bn(prefix, channels):
    return [positive(prefix + "_gamma", channels), weights(prefix + "_beta", channels),
            weights(prefix + "_mean", channels), positive(prefix + "_var", channels)]


def save(file, nodes, inputs, outputs, initializers, opset, ir=8, metadata=None):
    graph = helper.make_graph(nodes, file.split(".")[0], inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_models.py")
    model.ir_version = ir
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    with open(os.path.join(out, file), "wb") as f:
        f.write(model.SerializeToString())


N = helper.make_node

# Opset 9: asymmetric pads and strides, batch norm folded into the conv, ReLU fused, grouped conv,
# LeakyRelu, global pooling, Flatten, Gemm with transB/alpha/beta, softmax from axis 1.
save("conv_bn_gemm_opset9.onnx", [
    N("Conv", ["x", "c1_w", "c1_b"], ["c1"], pads=[1, 0, 2, 1], strides=[2, 1], kernel_shape=[3, 3]),
    N("BatchNormalization", ["c1", "bn1_gamma", "bn1_beta", "bn1_mean", "bn1_var"], ["bn1"], epsilon=1e-3),
    N("Relu", ["bn1"], ["r1"]),
    N("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1]),
    N("Conv", ["p1", "c2_w"], ["c2"], group=2, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    N("LeakyRelu", ["c2"], ["l2"], alpha=0.2),
    N("GlobalAveragePool", ["l2"], ["g"]),
    N("Flatten", ["g"], ["f"]),
    N("Gemm", ["f", "fc_w", "fc_b"], ["fc"], transB=1, alpha=0.7, beta=1.5),
    N("Softmax", ["fc"], ["y"]),
], [image("x", 1, 12, 10)], [output("y", "N", 7)],
    [weights("c1_w", 4, 1, 3, 3), weights("c1_b", 4), *bn("bn1", 4), weights("c2_w", 6, 2, 3, 3),
     weights("fc_w", 7, 6), weights("fc_b", 7)], opset=9)

# Opset 10: Clip and Pad with attributes, MaxPool ceil_mode, AveragePool excluding padding.
save("attributes_opset10.onnx", [
    N("Pad", ["x"], ["px"], pads=[0, 0, 1, 2, 0, 0, 2, 1], mode="constant", value=0.0),
    N("Conv", ["px", "c1_w", "c1_b"], ["c1"], kernel_shape=[3, 3]),
    N("Clip", ["c1"], ["k1"], min=-0.5, max=0.8),
    N("MaxPool", ["k1"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    N("AveragePool", ["p1"], ["a1"], kernel_shape=[2, 3], strides=[1, 2], pads=[1, 1, 0, 1], count_include_pad=0),
    N("Flatten", ["a1"], ["f"], axis=1),
    N("Gemm", ["f", "fc_w", "fc_b"], ["y"]),
], [image("x", 1, 13, 11)], [output("y", "N", 5)],
    [weights("c1_w", 3, 1, 3, 3), weights("c1_b", 3), weights("fc_w", 3 * 7 * 3, 5), weights("fc_b", 5)], opset=10)

# Opset 11: RGB input, ReLU6 as Clip with inputs, depthwise conv with SAME_UPPER, a batch norm that
# cannot fold (after Clip), AveragePool counting padding, Pad with inputs, a Reshape across the
# image axes, MatMul + Add, Tanh.
save("depthwise_opset11.onnx", [
    N("Conv", ["x", "c1_w", "c1_b"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    N("Clip", ["c1", "zero", "six"], ["r6"]),
    N("Conv", ["r6", "dw_w", "dw_b"], ["dw"], group=8, kernel_shape=[3, 3], auto_pad="SAME_UPPER"),
    N("Clip", ["dw", "zero"], ["dwr"]),
    N("BatchNormalization", ["dwr", "bn_gamma", "bn_beta", "bn_mean", "bn_var"], ["bn"]),
    N("AveragePool", ["bn"], ["ap"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1),
    N("Pad", ["ap", "pads"], ["pd"], mode="constant"),
    N("Conv", ["pd", "c2_w", "c2_b"], ["c2"], kernel_shape=[1, 1]),
    N("Sigmoid", ["c2"], ["s2"]),
    N("Reshape", ["s2", "flat"], ["f"]),
    N("MatMul", ["f", "fc_w"], ["m"]),
    N("Add", ["m", "fc_b"], ["fc"]),
    N("Tanh", ["fc"], ["y"]),
], [image("x", 3, 16, 16)], [output("y", "N", 6)],
    [weights("c1_w", 8, 3, 3, 3), weights("c1_b", 8), scalar("zero", 0.0), scalar("six", 6.0),
     weights("dw_w", 8, 1, 3, 3), weights("dw_b", 8), *bn("bn", 8), ints("pads", [0, 2, 1, 0, 0, 1, 0, 2]),
     weights("c2_w", 4, 11, 1, 1), weights("c2_b", 4), ints("flat", [-1, 4 * 9 * 10]), weights("fc_w", 360, 6, scale=0.1),
     weights("fc_b", 6)], opset=11)

# Opset 13: branches and Concat, constant arithmetic (per channel and scalar), a squeeze-and-excite
# scale broadcast over the image, a residual Add + Relu, AveragePool ceil_mode, a transpose to
# NHWC before flattening (TF-converted models), Dropout and Identity, softmax over the last axis.
save("branches_opset13.onnx", [
    N("Conv", ["x", "c0_w", "c0_b"], ["c0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    N("Relu", ["c0"], ["r0"]),
    N("Conv", ["r0", "ca_w", "ca_b"], ["ca"], kernel_shape=[1, 1]),
    N("Conv", ["r0", "cb_w", "cb_b"], ["cb"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    N("Concat", ["ca", "cb"], ["cat"], axis=1),
    N("Mul", ["cat", "per_channel"], ["m1"]),
    N("Sub", ["m1", "half"], ["s1"]),
    N("Div", ["s1", "two"], ["d1"]),
    N("GlobalAveragePool", ["d1"], ["se_pool"]),
    N("Conv", ["se_pool", "se_w", "se_b"], ["se_fc"], kernel_shape=[1, 1]),
    N("Sigmoid", ["se_fc"], ["se"]),
    N("Mul", ["d1", "se"], ["excited"]),
    N("Conv", ["r0", "sc_w", "sc_b"], ["shortcut"], kernel_shape=[1, 1]),
    N("Add", ["excited", "shortcut"], ["sum"]),
    N("Relu", ["sum"], ["r1"]),
    N("AveragePool", ["r1"], ["ap"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    N("Transpose", ["ap"], ["nhwc"], perm=[0, 2, 3, 1]),
    N("Flatten", ["nhwc"], ["f"]),
    N("Gemm", ["f", "fc_w", "fc_b"], ["fc"]),
    N("Dropout", ["fc"], ["dr"]),
    N("Identity", ["dr"], ["id"]),
    N("Softmax", ["id"], ["y"], axis=-1),
], [image("x", 1, 9, 11)], [output("y", "N", 7)],
    [weights("c0_w", 4, 1, 3, 3), weights("c0_b", 4), weights("ca_w", 3, 4, 1, 1), weights("ca_b", 3),
     weights("cb_w", 2, 4, 3, 3), weights("cb_b", 2), numpy_helper.from_array(rng.uniform(0.5, 2, (5, 1, 1)).astype(np.float32), "per_channel"),
     scalar("half", 0.5), scalar("two", 2.0), weights("se_w", 5, 5, 1, 1), weights("se_b", 5), weights("sc_w", 5, 4, 1, 1), weights("sc_b", 5),
     weights("fc_w", 5 * 6 * 5, 7, scale=0.2), weights("fc_b", 7)], opset=13)

# Opset 17: shaped like FER+ (emotion-ferplus-8): a 1 x 1 x 64 x 64 input of raw levels normalised
# inside the graph, conv blocks, a Reshape by a Constant node, two Gemms and 8 logits, no softmax
# and no labels in the metadata.
blocks, last, channels = [], "norm", 1
params = []
for i, width in enumerate([8, 12, 16]):
    blocks += [N("Conv", [last, f"b{i}_w", f"b{i}_b"], [f"b{i}c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
               N("Relu", [f"b{i}c"], [f"b{i}r"]),
               N("MaxPool", [f"b{i}r"], [f"b{i}p"], kernel_shape=[2, 2], strides=[2, 2])]
    params += [weights(f"b{i}_w", width, channels, 3, 3, scale=0.3), weights(f"b{i}_b", width, scale=0.1)]
    last, channels = f"b{i}p", width
save("ferplus_like_opset17.onnx", [
    N("Sub", ["x", "mean"], ["centred"]),
    N("Div", ["centred", "std"], ["norm"]),
    *blocks,
    N("Constant", [], ["shape"], value=helper.make_tensor("shape_value", TensorProto.INT64, [2], [1, -1])),
    N("Reshape", [last, "shape"], ["flat"]),
    N("Gemm", ["flat", "fc1_w", "fc1_b"], ["fc1"], transB=1),
    N("Relu", ["fc1"], ["fc1r"]),
    N("Dropout", ["fc1r"], ["fc1d"]),
    N("Gemm", ["fc1d", "fc2_w", "fc2_b"], ["y"], transB=1),
], [image("x", 1, 64, 64, batch=1)], [output("y", 1, 8)],
    [scalar("mean", 128.0), scalar("std", 64.0), *params, weights("fc1_w", 32, 16 * 8 * 8, scale=0.05), weights("fc1_b", 32),
     weights("fc2_w", 8, 32, scale=0.3), weights("fc2_b", 8)], opset=17)

# Opset 21 (IR 10), with an NHWC input as TF exports it, and labels and normalisation in the metadata.
save("nhwc_opset21.onnx", [
    N("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
    N("Conv", ["nchw", "c_w", "c_b"], ["c"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER"),
    N("BatchNormalization", ["c", "bn_gamma", "bn_beta", "bn_mean", "bn_var"], ["bn"]),
    N("Relu", ["bn"], ["r"]),
    N("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="VALID"),
    N("Flatten", ["p"], ["f"]),
    N("Gemm", ["f", "fc_w", "fc_b"], ["fc"]),
    N("Softmax", ["fc"], ["y"]),
], [image("x", 3, 12, 12, nhwc=True)], [output("y", "N", 3)],
    [weights("c_w", 6, 3, 3, 3), weights("c_b", 6), *bn("bn", 6), weights("fc_w", 6 * 3 * 3, 3), weights("fc_b", 3)],
    opset=21, ir=10, metadata={"labels": "calm,excited,other", "input_mean": "127.5", "input_scale": "0.0078431372549", "pixel_order": "bgr"})

# Opset 12, shapes computed in the graph as exporters write them: weights reshaped from a flat
# parameter with a bias added after the conv (CNTK, as FER+ ships), and PyTorch's
# x.view(x.size(0), -1) as Shape, Gather, Unsqueeze, Concat and Reshape.
save("exported_shapes_opset12.onnx", [
    N("Reshape", ["w_flat", "w_shape"], ["w"]),
    N("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
    N("Add", ["c", "c_b"], ["cb"]),
    N("Relu", ["cb"], ["r"]),
    N("Shape", ["r"], ["shape"]),
    N("Gather", ["shape", "zero_index"], ["batch"], axis=0),
    N("Unsqueeze", ["batch"], ["batch1"], axes=[0]),
    N("Concat", ["batch1", "minus_one"], ["target"], axis=0),
    N("Reshape", ["r", "target"], ["flat"]),
    N("MatMul", ["flat", "fc_w"], ["m"]),
    N("Add", ["m", "fc_b"], ["fc"]),
    N("Softmax", ["fc"], ["y"], axis=1),
], [image("x", 1, 10, 10)], [output("y", "N", 7)],
    [weights("w_flat", 4 * 9), ints("w_shape", [4, 1, 3, 3]), weights("c_b", 4, 1, 1), ints("zero_index", 0), ints("minus_one", [-1]),
     weights("fc_w", 4 * 5 * 5, 7, scale=0.2), weights("fc_b", 7)], opset=12)

# Opset 14, MobileNetV3 and face-model activations: HardSwish, PRelu, a squeeze-and-excite gate
# of ReduceMean + HardSigmoid, Elu, a variadic Sum, global max pooling and a Squeeze (axes as input).
save("mobile_opset14.onnx", [
    N("Conv", ["x", "c1_w", "c1_b"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    N("HardSwish", ["c1"], ["h1"]),
    N("Conv", ["h1", "dw_w", "dw_b"], ["dw"], group=8, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    N("PRelu", ["dw", "slope"], ["p1"]),
    N("ReduceMean", ["p1"], ["se_pool"], axes=[2, 3], keepdims=1),
    N("Conv", ["se_pool", "se_w", "se_b"], ["se_fc"], kernel_shape=[1, 1]),
    N("HardSigmoid", ["se_fc"], ["se"], alpha=1.0 / 6, beta=0.5),
    N("Mul", ["p1", "se"], ["excited"]),
    N("Elu", ["excited"], ["e1"], alpha=0.7),
    N("Sum", ["excited", "e1", "p1"], ["s1"]),
    N("GlobalMaxPool", ["s1"], ["gmp"]),
    N("Squeeze", ["gmp", "squeeze_axes"], ["flat"]),
    N("Gemm", ["flat", "fc_w", "fc_b"], ["fc"]),
    N("Softmax", ["fc"], ["y"]),
], [image("x", 3, 16, 16)], [output("y", "N", 7)],
    [weights("c1_w", 8, 3, 3, 3), weights("c1_b", 8), weights("dw_w", 8, 1, 3, 3), weights("dw_b", 8),
     numpy_helper.from_array(rng.uniform(0.05, 0.3, (8, 1, 1)).astype(np.float32), "slope"), weights("se_w", 8, 8, 1, 1), weights("se_b", 8),
     ints("squeeze_axes", [2, 3]), weights("fc_w", 8, 7), weights("fc_b", 7)], opset=14)

# Opset 18, as tf2onnx writes a TF classifier: NHWC input transposed around the convolution, global
# pooling as ReduceMean and ReduceMax over the image axes (axes as an input from opset 18).
save("tf_style_opset18.onnx", [
    N("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
    N("Conv", ["nchw", "c_w", "c_b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    N("Relu", ["c"], ["r"]),
    N("Transpose", ["r"], ["nhwc"], perm=[0, 2, 3, 1]),
    N("ReduceMean", ["nhwc", "spatial"], ["mean"], keepdims=0),
    N("ReduceMax", ["nhwc", "spatial"], ["max4"], keepdims=1),
    N("Squeeze", ["max4", "spatial"], ["max"]),
    N("Concat", ["mean", "max"], ["both"], axis=1),
    N("MatMul", ["both", "fc_w"], ["m"]),
    N("Add", ["m", "fc_b"], ["fc"]),
    N("Softmax", ["fc"], ["y"], axis=-1),
], [image("x", 3, 10, 10, nhwc=True)], [output("y", "N", 4)],
    [weights("c_w", 6, 3, 3, 3), weights("c_b", 6), ints("spatial", [1, 2]), weights("fc_w", 12, 4), weights("fc_b", 4)], opset=18, ir=9)

# Broken on purpose: each must be refused at load with one clear line.
tiny = [weights("w", 2, 1, 3, 3), weights("b", 2)]
save("unsupported_op.onnx", [N("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3]), N("Erf", ["c"], ["y"])],
     [image("x", 1, 8, 8)], [output("y", "N", 2, 6, 6)], tiny, opset=13)
save("missing_initializer.onnx", [N("Conv", ["x", "w", "absent_bias"], ["y"], kernel_shape=[3, 3])],
     [image("x", 1, 8, 8)], [output("y", "N", 2, 6, 6)], tiny[:1], opset=13)
save("wrong_rank.onnx", [N("Relu", ["x"], ["y"])],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 16])], [output("y", "N", 16)], [], opset=13)
save("old_opset.onnx", [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3])],
     [image("x", 1, 8, 8)], [output("y", "N", 2, 6, 6)], tiny, opset=7)
