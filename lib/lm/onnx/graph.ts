/**
 * A small writer of ONNX graphs (opset 17) on top of `onnx-proto`: nodes with
 * fresh output names, constant initializers, graph inputs and outputs, and the
 * encoded model. The transformer's graphs (forward.ts, backward.ts,
 * training_graph.ts, inference_graph.ts) are all written through it.
 *
 * Tests: graph_test.ts.
 *
 * @module
 */

import onnxProto from "onnx-proto";

const { onnx } = onnxProto as unknown as typeof import("onnx-proto");
type NodeProto = import("onnx-proto").onnx.INodeProto;
type TensorProto = import("onnx-proto").onnx.ITensorProto;
type ValueInfoProto = import("onnx-proto").onnx.IValueInfoProto;

/** ONNX element type codes used here. */
export const FLOAT = 1;
/** ONNX element type code of int64. */
export const INT64 = 7;

/** A node attribute: an integer, a float, a list of integers, or a string. */
export type Attr = number | number[] | string;

/** A dimension: a fixed size, or the name of a dynamic one. */
export type Dim = number | string;

function valueInfo(name: string, elemType: number, shape: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((n) => typeof n === "number" ? { dimValue: n } : { dimParam: n }) },
      },
    },
  };
}

/**
 * An ONNX graph under construction. Every node gets fresh output names
 * (`<op>_<counter>`), so a builder never collides with itself.
 */
export class Graph {
  /** The nodes, in the order added (a valid topological order: inputs exist before use). */
  readonly nodes: NodeProto[] = [];
  /** Constant tensors (weights of an inference graph, shapes, scalars). */
  readonly inits: TensorProto[] = [];
  /** Declared graph inputs and outputs. */
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  #counter = 0;

  /** A new name starting with `hint`. */
  fresh(hint: string): string {
    return `${hint}_${this.#counter++}`;
  }

  /** Adds a node with `outputs` outputs (a count: fresh names; or the names); returns their names. */
  opN(
    opType: string,
    inputs: string[],
    options: { outputs: number | string[]; attrs?: Record<string, Attr> },
  ): string[] {
    const { outputs, attrs = {} } = options;
    const out = typeof outputs === "number"
      ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
      : outputs;
    const attribute = Object.entries(attrs).map(([name, value]) =>
      typeof value === "string"
        ? { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) }
        : Array.isArray(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }
        : Number.isInteger(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
        : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value }
    );
    this.nodes.push({ opType, input: inputs, output: out, name: out[0], attribute });
    return out;
  }

  /** Adds a one-output node; returns its output's (fresh) name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.opN(opType, inputs, { outputs: 1, attrs })[0];
  }

  /** A float initializer named `options.name` (a fresh name when omitted); returns the name. */
  floats(dims: number[], values: Float32Array, options: { name?: string } = {}): string {
    const id = options.name ?? this.fresh("const");
    this.inits.push({ name: id, dims, dataType: FLOAT, rawData: new Uint8Array(values.slice().buffer) });
    return id;
  }

  /** A float scalar constant. */
  scalar(value: number): string {
    return this.floats([], Float32Array.of(value));
  }

  /** A 1-D int64 constant. */
  ints(values: number[]): string {
    const name = this.fresh("ints");
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Declares a graph input of element type `type` (default float); returns its name. */
  input(name: string, options: { shape: readonly Dim[]; type?: number }): string {
    this.inputs.push(valueInfo(name, options.type ?? FLOAT, options.shape));
    return name;
  }

  /**
   * Declares the graph output `options.name` holding `value`: copied through
   * an Identity node, unless `value` already has that name.
   */
  output(value: string, options: { name: string; shape: readonly Dim[]; type?: number }): void {
    const { name } = options;
    if (value !== name) this.nodes.push({ opType: "Identity", input: [value], output: [name], name: `out_${name}` });
    this.outputs.push(valueInfo(name, options.type ?? FLOAT, options.shape));
  }

  /** The encoded ONNX model (IR 8, default domain at opset 17). */
  encode(options: { name: string; producer: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producer,
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: options.name,
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  // Shorthands.
  /** a + b (broadcasting). */
  add(a: string, b: string): string {
    return this.op("Add", [a, b]);
  }
  /** a - b (broadcasting). */
  sub(a: string, b: string): string {
    return this.op("Sub", [a, b]);
  }
  /** a * b (broadcasting). */
  mul(a: string, b: string): string {
    return this.op("Mul", [a, b]);
  }
  /** a [m,k] x b [k,n] (+ bias [n]), with optional transposes: Gemm. */
  gemm(a: string, b: string, options: { bias?: string; transA?: boolean; transB?: boolean } = {}): string {
    return this.op("Gemm", options.bias ? [a, b, options.bias] : [a, b], {
      transA: options.transA ? 1 : 0,
      transB: options.transB ? 1 : 0,
    });
  }
  /** Sum over the rows of a [n, k] tensor: [k]. */
  sumRows(x: string): string {
    return this.op("ReduceSum", [x, this.ints([0])], { keepdims: 0 });
  }
  /** Transpose with permutation `perm`. */
  transpose(x: string, perm: number[]): string {
    return this.op("Transpose", [x], { perm });
  }
}
