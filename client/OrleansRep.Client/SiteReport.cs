using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Client;

/// <summary>One site as the client found it: its gateway, whether it answered, and its status (null when it did not,
/// with <see cref="Error"/> saying why).</summary>
public sealed record SiteReport(int Site, string Gateway, SiteStatus? Status, string? Error)
{
    public bool Healthy => Status is not null;
}
