#include "supernet/training/logit_distillation.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>

#include "spaces/errors.h"

namespace sculpt {
namespace {

// `images` as the teacher's training normalised them: x_t = (x_s * std_s + mean_s - mean_t) /
// std_t per channel, a no-op when the two normalisations are equal.
torch::Tensor ForTeacher(const LogitDistillation& d, const torch::Tensor& images) {
  if (d.teacher_mean.empty() || (d.teacher_mean == d.student_mean && d.teacher_std == d.student_std)) {
    return images;
  }
  const auto channels = static_cast<std::int64_t>(d.student_mean.size());
  SCULPT_ASSERT(images.size(1) == channels && d.teacher_mean.size() == d.student_mean.size(),
                "the teacher's and the student's normalisations cover the images' channels");
  auto column = [channels](const std::vector<float>& values) {
    return torch::tensor(values).view({1, channels, 1, 1});
  };
  return (images * column(d.student_std) + column(d.student_mean) - column(d.teacher_mean)) /
         column(d.teacher_std);
}

}  // namespace

torch::Tensor DistilledLoss(const LogitDistillation& d, const torch::Tensor& student_logits,
                            const torch::Tensor& images, const torch::Tensor& labels) {
  namespace F = torch::nn::functional;
  const torch::Tensor hard = F::cross_entropy(student_logits, labels);
  if (d.weight == 0) return hard;  // the teacher's forward pass would be wasted
  torch::Tensor teacher_logits;
  {
    torch::NoGradGuard no_grad;
    teacher_logits = d.teacher->Forward(ForTeacher(d, images));
  }
  const double t = d.temperature;
  const torch::Tensor student = student_logits.narrow(1, 0, d.classes) / t;
  const torch::Tensor teacher = teacher_logits.narrow(1, 0, d.classes) / t;
  const torch::Tensor teacher_log_p = F::log_softmax(teacher, F::LogSoftmaxFuncOptions(1));
  const torch::Tensor student_log_p = F::log_softmax(student, F::LogSoftmaxFuncOptions(1));
  // KL(p_t || p_s) per image, averaged; T^2 keeps its gradients' scale independent of T.
  const torch::Tensor soft =
      (teacher_log_p.exp() * (teacher_log_p - student_log_p)).sum(1).mean() * (t * t);
  return hard * (1 - d.weight) + soft * d.weight;
}

}  // namespace sculpt
