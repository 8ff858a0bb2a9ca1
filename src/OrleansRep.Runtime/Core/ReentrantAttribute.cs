namespace OrleansRep.Runtime.Core;

/// <summary>On a grain class: its calls may interleave at await points (one code segment still runs at a time).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;
