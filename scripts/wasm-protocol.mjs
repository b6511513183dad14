// The one list of what the wasm backend's two sides must agree on: the op codes the kernels take
// as arguments, the layout of argument blocks they read from memory, and the thread tasks with
// their argument slots. scripts/generate-protocol.mjs turns it into assembly/generated/protocol.ts
// (for the kernels) and src/backend/wasm/generated/protocol.ts (for the TypeScript side); both are
// written by scripts/build-wasm.mjs, i.e. by every `npm run build`, `npm test` and `npm ci`.
//
// A code or a slot index is its member's position in its list, from 0. Reordering a list is safe
// (both sides change together); test/backend/wasm-protocol.test.ts checks that the compiled
// kernels report the numbers the TypeScript side uses.

/**
 * Codes passed to a kernel as an i32 argument. `names`: the TypeScript type whose values the
 * members are (the generated table must name only those); the table is partial unless `total`.
 */
export const enums = [
  {
    name: 'UnaryCode',
    doc: 'The unary ops with a wasm kernel (assembly/elementwise.ts unary); the others run the portable loop.',
    names: 'UnaryOp',
    members: [
      'neg',
      'abs',
      'sqrt',
      'square',
      'reciprocal',
      'relu',
      'step',
      'sign',
      'floor',
      'ceil',
      'exp',
      'sigmoid',
      'tanh',
    ],
  },
  {
    name: 'BinaryCode',
    doc: 'The binary ops with a wasm kernel (assembly/elementwise.ts binary).',
    names: 'BinaryOp',
    members: ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'],
  },
  {
    name: 'ReduceCode',
    doc: 'The reductions with a wasm kernel (assembly/elementwise.ts reduce).',
    names: 'ReduceOp',
    members: ['sum', 'max', 'min'],
  },
  {
    name: 'ActivationCode',
    doc: "The activation of the fused bias kernels (assembly/bias.ts) and of a conv task's tail.",
    names: 'FusedActivation',
    total: true,
    members: ['linear', 'relu'],
  },
  {
    name: 'GemmAMode',
    doc: "How gemm finds A (its transA argument): stored [m, k], stored [k, m], or packed from an image as its patch matrix transposed or not (assembly/conv-pack.ts), the geometry's address then in aStride.",
    members: ['plain', 'transposed', 'convT', 'conv'],
  },
];

/**
 * Blocks of arguments a kernel reads from memory (the thread protocol passes only i32 arguments):
 * one `type` value per member, in this order. `fields`: the TypeScript type whose fields they
 * are, all of them; the TypeScript side gets a function that lays one out.
 */
export const blocks = [
  {
    name: 'GeometrySlot',
    doc: "A window op's geometry (Window2dArgs) as the sliding-window, conv and Winograd kernels read it.",
    type: 'i32',
    fields: 'Window2dArgs',
    pack: 'geometryInts',
    members: [
      'batch',
      'inH',
      'inW',
      'channels',
      'kH',
      'kW',
      'outH',
      'outW',
      'strideH',
      'strideW',
      'dilationH',
      'dilationW',
      'padTop',
      'padLeft',
    ],
  },
  {
    name: 'AdamSlot',
    doc: 'The scalars of one Adam step (AdamStep) as assembly/optim.ts adamStep reads them.',
    type: 'f64',
    fields: 'AdamStep',
    pack: 'adamScalars',
    members: ['beta1', 'beta2', 'c1', 'c2', 'l2', 'shrink', 'stepSize', 'invBc2Sqrt', 'eps', 'sign'],
  },
];

/**
 * The tasks the calling thread shares with the workers (src/backend/wasm/protocol.ts runTask runs
 * a chunk of one): the code is the position in `list`, `args` the i32 argument slots from 0. All
 * but gemm are range tasks: each chunk gets its range of units in the slots `range` names (and
 * may have argCount − 2 arguments of its own); gemm's chunks get their batch, row or column range
 * in its own slots. The dispatch lives on the TypeScript side only, so these are not generated
 * for the kernels.
 */
export const tasks = {
  argCount: 16,
  range: { start: 14, end: 15 },
  list: [
    {
      name: 'gemm',
      range: false,
      doc: 'The first 16 arguments of the gemm export (each thread adds its own packing buffers).',
      args: [
        'a',
        'b',
        'c',
        'm',
        'k',
        'n',
        'transA',
        'transB',
        'batch0',
        'batch1',
        'aStride',
        'bStride',
        'row0',
        'row1',
        'col0',
        'col1',
      ],
    },
    { name: 'im2col', doc: 'Patches of a range of images.', args: ['x', 'geometry', 'cols'] },
    { name: 'col2im', doc: 'Patch gradients folded back, a range of images.', args: ['cols', 'geometry', 'dx'] },
    {
      name: 'maxPool',
      doc: 'Max pooling of a range of images (argmax 0: no indices wanted).',
      args: ['x', 'geometry', 'out', 'argmax'],
    },
    { name: 'maxPoolBackward', args: ['dOut', 'argmax', 'geometry', 'dx'] },
    {
      name: 'convDirect',
      doc: 'The direct conv of a range of images, then its tail when tailApply is 1: act tailAct of out + bias tailBias (0: none).',
      args: ['x', 'geometry', 'kernel', 'cout', 'out', 'tailApply', 'tailBias', 'tailAct', 'rowsPerImage'],
    },
    {
      name: 'biasActivation',
      doc: 'A range of rows of x and out, cols floats each (bias 0: none).',
      args: ['x', 'bias', 'cols', 'act', 'out'],
    },
    {
      name: 'convDirectKernelGrad',
      doc: "The direct conv's kernel gradient for a range of taps.",
      args: ['x', 'geometry', 'dOut', 'cout', 'dk'],
    },
    {
      name: 'adam',
      doc: 'Units of 16 weights (a cache line), so two threads never write the same line; scalars: an AdamSlot block.',
      args: ['p', 'g', 'm', 'v', 'vMax', 'scalars', 'n'],
    },
    { name: 'winogradInput', args: ['x', 'geometry', 'v'] },
    { name: 'winogradOutput', args: ['m', 'geometry', 'cout', 'out'] },
    {
      name: 'convForward',
      doc: "A conv's forward for a range of images: their rows of the product (packPatches 1: patches packed from x; 0: pointwise, x is the patch matrix), then the tail as in convDirect.",
      args: [
        'x',
        'geometry',
        'kernel',
        'out',
        'rows',
        'patchLength',
        'cout',
        'rowsPerImage',
        'packPatches',
        'tailApply',
        'tailBias',
        'tailAct',
      ],
    },
    {
      name: 'convBackwardImages',
      doc: "A conv's backward for a range of images: their patches (flags: CONV_BUILD_PATCHES), and dx through their rows of dOut · kernelᵀ (CONV_INPUT_GRADIENT; patchGradient is dx itself when pointwise, else folded back into dx: CONV_FOLD_PATCHES).",
      args: [
        'x',
        'geometry',
        'patches',
        'dOut',
        'kernel',
        'patchGradient',
        'dx',
        'rows',
        'patchLength',
        'cout',
        'rowsPerImage',
        'flags',
      ],
    },
    {
      name: 'biasBackwardRows',
      doc: "biasActivation's input gradient for a range of rows (y 0: not read).",
      args: ['g', 'y', 'cols', 'act', 'dx'],
    },
    {
      name: 'biasGradientColumns',
      doc: "biasActivation's bias gradient for a range of 16-column blocks.",
      args: ['g', 'y', 'rows', 'cols', 'act', 'dBias'],
    },
    {
      name: 'unary',
      doc: 'An elementwise op (op: a UnaryCode) over a range of ELEMENT_BLOCK-float blocks.',
      args: ['op', 'x', 'out', 'n'],
    },
    {
      name: 'binary',
      doc: 'A binary op (a BinaryCode) over a range of rows, or (byBlocks 1: a single row, inner strides 0 or 1) of ELEMENT_BLOCK-column blocks.',
      args: ['op', 'a', 'sa', 'ta', 'b', 'sb', 'tb', 'out', 'rows', 'cols', 'byBlocks'],
    },
    {
      name: 'reduce',
      doc: 'A reduction (a ReduceCode) of x [outer, size, inner] over a range of its outer index.',
      args: ['op', 'x', 'size', 'inner', 'out'],
    },
    {
      name: 'softmaxStats',
      doc: 'log-softmax over a range of rows: the shift and Σ exp, two floats per row.',
      args: ['x', 'cols', 'stats'],
    },
    { name: 'logSoftmaxApply', args: ['x', 'stats', 'lse', 'cols', 'out'] },
    { name: 'logSoftmaxBackward', args: ['g', 'x', 'stats', 'cols', 'dx'] },
    {
      name: 'lstmCell',
      doc: "An LSTM step's gates, cell and output state for a range of rows (assembly/rnn.ts).",
      args: ['gx', 'gh', 'cPrev', 'units', 'h', 'c', 'acts'],
    },
    {
      name: 'lstmCellBackward',
      doc: "lstmCell's gradients for a range of rows (dh, dc, dcPrev 0: none).",
      args: ['dh', 'dc', 'acts', 'cPrev', 'c', 'units', 'dGates', 'dcPrev'],
    },
    {
      name: 'gruCell',
      doc: "A GRU step's gates and output state for a range of rows (assembly/rnn.ts).",
      args: ['gx', 'gh', 'hPrev', 'units', 'h', 'acts'],
    },
    {
      name: 'gruCellBackward',
      doc: "gruCell's gradients for a range of rows (dGx, dGh, dhPrev 0: not wanted).",
      args: ['dh', 'acts', 'hPrev', 'units', 'dGx', 'dGh', 'dhPrev'],
    },
    {
      name: 'attentionSoftmax',
      doc: "Attention's softmax over a range of rows, scaled (scaleBits: the f32 scale's bits) and causally masked (causal 1; row r is query r mod tq).",
      args: ['x', 'out', 'cols', 'tq', 'scaleBits', 'causal'],
    },
    { name: 'attentionSoftmaxBackward', args: ['g', 'y', 'cols', 'scaleBits', 'dx'] },
    { name: 'gelu', doc: 'The exact GELU over a range of ELEMENT_BLOCK-float blocks.', args: ['x', 'out', 'n'] },
    { name: 'geluBackward', args: ['g', 'x', 'dx', 'n'] },
    {
      name: 'copyStrided',
      doc: 'A strided copy of 4-byte elements over four axes (sizes n1..n3 after the outer one, strides in elements) for a range of the outer index.',
      args: ['src', 'dst', 'n1', 'n2', 'n3', 'ss0', 'ss1', 'ss2', 'ss3', 'ds0', 'ds1', 'ds2', 'ds3'],
    },
    {
      name: 'layerNorm',
      doc: "Layer norm over a range of rows (w, b 0: none; epsBits: the f32 epsilon's bits); stats: mean and 1/std per row.",
      args: ['x', 'w', 'b', 'cols', 'epsBits', 'out', 'stats'],
    },
    {
      name: 'layerNormBackward',
      doc: "Layer norm's dx for a range of rows.",
      args: ['g', 'x', 'w', 'stats', 'cols', 'dx'],
    },
    {
      name: 'layerNormParamGrads',
      doc: "Layer norm's weight and bias gradients for a range of 16-column blocks (dw, db 0: not wanted).",
      args: ['g', 'x', 'stats', 'rows', 'cols', 'dw', 'db'],
    },
  ],
};
