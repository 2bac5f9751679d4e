# The test oracle: metafor (R), the field's reference meta-analysis implementation.
# Usage: Rscript metafor_oracle.R TASK IN.csv OUT.csv
# Each task reads one CSV (several problems told apart by the column `set`) and writes one CSV of results.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
task <- args[1]
d <- read.csv(args[2], stringsAsFactors = FALSE)
tight <- list(threshold = 1e-12, maxiter = 10000, stepadj = 0.5)

by_set <- function(f) do.call(rbind, lapply(split(d, d$set), f))

result <- switch(task,
  rma = by_set(function(g) {
    fit <- rma(yi = g$yi, vi = g$vi, method = g$method[1], test = g$test[1], control = tight)
    p <- predict(fit)
    pi <- if (is.null(p$pi.lb)) c(NA, NA) else c(p$pi.lb, p$pi.ub)
    data.frame(set = g$set[1], k = fit$k, estimate = as.numeric(fit$b), se = fit$se, ci_low = fit$ci.lb,
               ci_high = fit$ci.ub, tau2 = fit$tau2, i2 = fit$I2, q = fit$QE, pi_low = pi[1], pi_high = pi[2],
               p = fit$pval)
  }),
  escalc_md = {
    e <- escalc(measure = "MD", m1i = d$m1, sd1i = d$sd1, n1i = d$n1, m2i = d$m2, sd2i = d$sd2, n2i = d$n2)
    data.frame(set = d$set, yi = as.numeric(e$yi), vi = e$vi)
  },
  escalc_smd = {
    e <- escalc(measure = "SMD", m1i = d$m1, sd1i = d$sd1, n1i = d$n1, m2i = d$m2, sd2i = d$sd2, n2i = d$n2)
    data.frame(set = d$set, yi = as.numeric(e$yi), vi = e$vi)
  },
  escalc_rr = {
    e <- escalc(measure = "RR", ai = d$ai, n1i = d$n1, ci = d$ci, n2i = d$n2, add = d$add[1], to = d$to[1],
                drop00 = TRUE)
    data.frame(set = d$set, yi = as.numeric(e$yi), vi = e$vi)
  },
  regtest = by_set(function(g) {
    r <- regtest(g$yi, g$vi, model = "lm", predictor = "sei")
    data.frame(set = g$set[1], t = r$zval, df = r$dfs, p = r$pval, limit_estimate = as.numeric(r$est))
  }),
  stop(paste("unknown task", task))
)
write.csv(result, args[3], row.names = FALSE)
