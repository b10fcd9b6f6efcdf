using Microsoft.ML.OnnxRuntime;

namespace PainReview.Pipeline.Faces;

/// <summary>Which ONNX Runtime execution provider runs the face models.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
}

/// <summary>How ONNX Runtime sessions are created; one place so that every model is tuned the same way.</summary>
public sealed record InferenceOptions
{
    /// <summary>
    /// Threads inside one operator. One is fastest on small machines: the second core decodes video
    /// (measure with `painreview bench` or scripts/bench.sh).
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;
    public int CudaDeviceId { get; init; }

    internal SessionOptions CreateSessionOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // Idle ONNX Runtime threads must not spin: on a small machine the spare core decodes video. (With one
        // intra-op thread there is no pool to spin; this holds when more threads are asked for.)
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        if (Provider == ExecutionProvider.Cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(CudaDeviceId);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                options.Dispose();
                throw new Models.ModelSetupException(
                    "The CUDA execution provider is not available: install the GPU build of ONNX Runtime and a CUDA driver, or use the CPU provider.", e);
            }
        }
        return options;
    }

    internal InferenceSession CreateSession(string modelPath)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"Model file {modelPath} is missing. Run 'painreview models fetch' first.", modelPath);
        using var options = CreateSessionOptions();
        return new InferenceSession(modelPath, options);
    }
}
