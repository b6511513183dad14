/**
 * The seed's first example (section 4.1), line for line with tessera tensors:
 * linear regression by full-batch gradient descent, θ initialised to zeros, no bias,
 * learning rate 0.01, 1000 epochs, then predict [[5, 10]] (≈ 15).
 *
 * Run: npm run build && node dist/examples/linear-regression.js
 */
import { tensor, zeros, type Tensor } from '../src/index.js';

const X = tensor([
  [1, 2],
  [2, 4],
  [3, 6],
  [4, 8],
]);
const y = tensor([3, 6, 9, 12]);

function linearRegression(X: Tensor, y: Tensor, learningRate = 0.01, epochs = 1000): Tensor {
  let theta = zeros([X.shape[1]]);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const predictions = X.matmul(theta);
    const errors = predictions.sub(y);
    const gradients = X.T.matmul(errors).div(y.shape[0]);
    theta = theta.sub(gradients.mul(learningRate));
  }
  return theta;
}

const theta = linearRegression(X, y);
const yPred = tensor([[5, 10]]).matmul(theta);
console.log('theta', theta.toString());
console.log('prediction for [[5, 10]]', yPred.toString());
