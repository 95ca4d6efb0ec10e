"""torch.autograd Functions over symbolic tensors with a dual numeric + text gradient, StMoe and the StSGD optimizer."""
