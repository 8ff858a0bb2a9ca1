using System.Globalization;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// Orleans' per-method response timeout: a remote call of this method fails with
/// <see cref="Transport.CallTimeoutException"/> (and the silo is told to cancel it) if no result arrives in time.
/// Methods without it use the client's <see cref="Transport.TransportOptions.DefaultCallTimeout"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ResponseTimeoutAttribute : Attribute
{
    /// <param name="timeout">A <see cref="TimeSpan"/> in invariant format, e.g. "00:00:05"; positive.</param>
    public ResponseTimeoutAttribute(string timeout)
    {
        Timeout = TimeSpan.Parse(timeout, CultureInfo.InvariantCulture);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
    }

    public TimeSpan Timeout { get; }
}
