namespace OrleansRep.Runtime.Tests.Core;

/// <summary>Persistent state of the test grains.</summary>
public sealed class CounterState
{
    public int Value { get; set; }
}
