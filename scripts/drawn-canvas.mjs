// What a graph's nodes canvas has painted, read inside the webview (page.evaluate / locator.evaluate serialise this
// function, so it uses nothing outside itself): its painted pixels and those in the output logits' fill
// (--st-logit-fill). The e2e suite and the packaged-vsix smoke use it so that a blank canvas fails a screenshot check.
export function paintedPixels(canvas) {
  const probe = document.createElement('canvas').getContext('2d');
  probe.fillStyle = getComputedStyle(canvas).getPropertyValue('--st-logit-fill').trim();
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(String(probe.fillStyle).slice(i, i + 2), 16));
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  let logit = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    painted++;
    if (data[i + 3] === 255 && Math.abs(data[i] - r) <= 3 && Math.abs(data[i + 1] - g) <= 3 && Math.abs(data[i + 2] - b) <= 3) logit++;
  }
  return { painted, logit };
}
