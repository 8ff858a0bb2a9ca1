using System.Net;
using System.Text;

namespace OrleansRep.Runtime.Membership;

/// <summary>
/// One incarnation of a silo: where it listens plus a generation. A silo restarted on the same host and port takes a
/// larger generation, so the cluster tells the new incarnation from the old one (which stays dead).
/// </summary>
public sealed record SiloAddress
{
    /// <summary>Longest host name, in UTF-8 bytes (the wire encoding uses one length byte).</summary>
    public const int MaxHostBytes = 255;

    /// <summary>Creates an address; throws <see cref="ArgumentException"/> for an empty or over-long host, a port outside 1..65535 or a generation below 1.</summary>
    public SiloAddress(string host, int port, long generation)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (Encoding.UTF8.GetByteCount(host) > MaxHostBytes)
        {
            throw new ArgumentException($"the host name is longer than {MaxHostBytes} UTF-8 bytes", nameof(host));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfLessThan(generation, 1);
        Host = host;
        Port = port;
        Generation = generation;
    }

    /// <summary>Orders addresses by host, port, then generation (the probe ring and the view's entry order use it).</summary>
    public static IComparer<SiloAddress> Comparer { get; } = Comparer<SiloAddress>.Create(static (a, b) =>
    {
        int byHost = string.CompareOrdinal(a.Host, b.Host);
        if (byHost != 0)
        {
            return byHost;
        }

        return a.Port != b.Port ? a.Port.CompareTo(b.Port) : a.Generation.CompareTo(b.Generation);
    });

    /// <summary>Host name or IP address literal.</summary>
    public string Host { get; }

    /// <summary>TCP port of the silo's transport server.</summary>
    public int Port { get; }

    /// <summary>Incarnation number; larger is newer. <see cref="NewGeneration"/> derives one from the clock, as Orleans does.</summary>
    public long Generation { get; }

    /// <summary>Where to connect: an <see cref="IPEndPoint"/> when the host is an address literal, else a <see cref="DnsEndPoint"/>.</summary>
    public EndPoint EndPoint =>
        IPAddress.TryParse(Host, out IPAddress? address) ? new IPEndPoint(address, Port) : new DnsEndPoint(Host, Port);

    /// <summary>The address of a silo listening on <paramref name="endPoint"/>.</summary>
    public static SiloAddress From(IPEndPoint endPoint, long generation)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new SiloAddress(endPoint.Address.ToString(), endPoint.Port, generation);
    }

    /// <summary>A generation for a silo starting now: milliseconds since 2020, so a restart (even a fast one) gets a larger number.</summary>
    public static long NewGeneration(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var epoch = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return Math.Max(1, (long)(timeProvider.GetUtcNow() - epoch).TotalMilliseconds);
    }

    /// <summary>True if both addresses name the same host and port (any generation).</summary>
    public bool SameEndpoint(SiloAddress other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Port == other.Port && string.Equals(Host, other.Host, StringComparison.Ordinal);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Host}:{Port}@{Generation}";
}
