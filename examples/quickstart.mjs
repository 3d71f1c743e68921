import { kmeans, predict } from 'emgpu';

const X = [
  [1, 2],
  [1.5, 1.8],
  [5, 8],
  [8, 8],
  [1, 0.6],
  [9, 11],
];
const r = await kmeans(X, { k: 2, seed: 0 }); // backend 'auto': WebGPU if a GPU is there, else CPU
console.log(r.backend, r.labels, r.centroids);
console.log('inertia', r.inertia.toFixed(4), 'iterations', r.nIter, 'converged', r.converged);
console.log(
  'new points →',
  await predict(r, [
    [0, 0],
    [10, 10],
  ]),
);
