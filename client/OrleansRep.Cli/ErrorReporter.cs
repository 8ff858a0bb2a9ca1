using OrleansRep.Storage;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Cli;

/// <summary>
/// Turns an exception that reached the top of a command into one line on stderr and an exit code. Users see the
/// message, never a stack trace; set <c>OREP_DEBUG=1</c> to get the trace as well when chasing a bug.
/// </summary>
internal static class ErrorReporter
{
    public const string DebugVariable = "OREP_DEBUG";

    /// <summary>Whether the command line reports <paramref name="e"/> itself rather than letting it crash the process.</summary>
    public static bool IsReportable(Exception e) => e is not (OutOfMemoryException or StackOverflowException or AccessViolationException);

    public static int ExitCodeFor(Exception e) => e switch
    {
        CorruptionException => ExitCodes.Corruption,
        UsageException or DumpFormatException or DatabaseNotFoundException or StorageConfigException
            or KeyTooLargeException or ValueTooLargeException or LogPositionException or ArgumentException => ExitCodes.BadInput,
        _ => ExitCodes.Failure,
    };

    /// <summary>The one line a user sees for <paramref name="e"/>.</summary>
    public static string Describe(Exception e)
    {
        var text = e switch
        {
            StorageException or UsageException or IOException or UnauthorizedAccessException or ArgumentException => e.Message,
            // The cluster's typed errors: what went wrong and what to do is in the message.
            Grains.Interfaces.ShardException or Client.ClusterUnreachableException or Runtime.Transport.HandshakeRejectedException
                or Runtime.Remote.GrainAccessDeniedException or Runtime.Transport.ConnectionClosedException or TimeoutException => e.Message,
            OperationCanceledException => "interrupted",
            _ => $"internal error ({e.GetType().Name}): {e.Message} (set {DebugVariable}=1 for the stack trace)",
        };
        return OneLine(text);
    }

    /// <summary>Writes the error line (and the trace when asked for) and returns the exit code.</summary>
    public static int Report(Exception e, TextWriter error)
    {
        error.WriteLine($"orep: error: {Describe(e)}");
        if (Environment.GetEnvironmentVariable(DebugVariable) is { Length: > 0 } and not "0")
        {
            error.WriteLine(e.ToString());
        }

        error.Flush();
        return ExitCodeFor(e);
    }

    private static string OneLine(string text) =>
        text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal)
            ? string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : text;
}
