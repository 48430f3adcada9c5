#pragma once
// Knowledge distillation of a stand-alone network from a trained teacher's logits (Hinton et al.
// 2015): the training loss becomes (1 - weight) x cross-entropy on the labels + weight x T^2 x
// KL(teacher's softened distribution || the student's), both softened by temperature T. Why:
// NAS-BERT and DNA fine-tune the networks they find with distillation from the teacher, and a
// network trained on a small split can learn from the teacher's soft targets what the labels
// alone do not say (docs/BENCHMARKS.md 11.7: up to +0.5 points for ViTs of 2-4 layers on 10,000
// Fashion-MNIST images, but -0.45 for one of a single layer).
// The teacher may have been trained on another split of the same images: the student's batches
// are mapped to the teacher's input normalisation (per channel) before the teacher sees them.
// Thread-safety: a LogitDistillation is only read (the teacher in eval mode, without gradients),
// so trainings on several threads may share one.

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "supernet/model_family.h"

namespace sculpt {

struct LogitDistillation {
  std::shared_ptr<Network> teacher;  // trained, in eval mode; never trained further
  double weight = 0.5;               // of the distillation term; 1 - weight on the labels
  double temperature = 4;
  std::int64_t classes = 0;  // the data's: logits past them (never a label) are left out
  // The student's normalisation (mean, std per channel, of pixels in [0, 1]) and the teacher's;
  // equal when both were trained on the same split.
  std::vector<float> student_mean, student_std, teacher_mean, teacher_std;
};

// The loss of one training step: `student_logits` [n, >= classes] of `images` (normalised for
// the student) against `labels` and the teacher's logits of the same images.
torch::Tensor DistilledLoss(const LogitDistillation& distillation,
                            const torch::Tensor& student_logits, const torch::Tensor& images,
                            const torch::Tensor& labels);

}  // namespace sculpt
