// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomap-sim's native tracefs reader: reads the per-CPU raw ring buffers
 * (trace_pipe_raw) of one tracefs instance through libtracefs, decodes each
 * record with libtraceevent from the kernel's format files, and hands JS
 * batches of events in time order: name, CPU, timestamp (ns), pid, every
 * field as a number (pointers unhashed, as raw values), the TP_printk text,
 * and the number of events the ring buffer dropped.
 */
#include <napi.h>

#include <string>
#include <vector>

extern "C" {
#include <event-parse.h>
#include <tracefs.h>
}

namespace {

struct Batch {
  Napi::Env env;
  Napi::Array events;
  uint32_t n = 0;
  long long missed = 0;
  bool missedUnknown = false;
  tep_handle *tep;
  trace_seq seq;
};

Napi::Value fieldValue(Napi::Env env, tep_handle *tep, tep_format_field *f, void *data) {
  const char *p = static_cast<const char *>(data) + f->offset;
  if ((f->flags & TEP_FIELD_IS_ARRAY) || (f->flags & TEP_FIELD_IS_DYNAMIC) || f->size > 8) return env.Undefined();
  unsigned long long v = tep_read_number(tep, p, f->size);
  if (f->flags & TEP_FIELD_IS_POINTER) {
    char buf[24];
    snprintf(buf, sizeof buf, "%016llx", v);
    return Napi::String::New(env, buf);
  }
  if (f->flags & TEP_FIELD_IS_SIGNED) {
    long long s = static_cast<long long>(v);
    if (f->size < 8) {
      int shift = 64 - 8 * f->size;
      s = static_cast<long long>(v << shift) >> shift;
    }
    return Napi::BigInt::New(env, static_cast<int64_t>(s));
  }
  return Napi::BigInt::New(env, static_cast<uint64_t>(v));
}

// tracefs_iterate_raw_events callback: one record
int onRecord(tep_event *event, tep_record *record, int cpu, void *ctx) {
  Batch *b = static_cast<Batch *>(ctx);
  Napi::Env env = b->env;
  if (record->missed_events > 0) b->missed += record->missed_events;
  else if (record->missed_events < 0) b->missedUnknown = true;
  Napi::Object ev = Napi::Object::New(env);
  ev.Set("system", event->system);
  ev.Set("name", event->name);
  ev.Set("cpu", cpu);
  ev.Set("ts", Napi::BigInt::New(env, static_cast<uint64_t>(record->ts)));
  ev.Set("pid", tep_data_pid(b->tep, record));
  Napi::Object fields = Napi::Object::New(env);
  for (tep_format_field *f = event->format.fields; f; f = f->next) {
    Napi::Value v = fieldValue(env, b->tep, f, record->data);
    if (!v.IsUndefined()) fields.Set(f->name, v);
  }
  ev.Set("fields", fields);
  trace_seq_reset(&b->seq);
  tep_print_event(b->tep, &b->seq, record, "%s", TEP_PRINT_INFO);
  trace_seq_terminate(&b->seq);
  ev.Set("info", std::string(b->seq.buffer, b->seq.len));
  b->events.Set(b->n++, ev);
  return 0;
}

class Reader : public Napi::ObjectWrap<Reader> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function cls = DefineClass(env, "Reader", {InstanceMethod("poll", &Reader::Poll), InstanceMethod("close", &Reader::Close)});
    exports.Set("Reader", cls);
    return exports;
  }

  // new Reader(tracingDir, instanceName, systems[])
  Reader(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Reader>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsArray()) {
      Napi::TypeError::New(env, "Reader(tracingDir, instanceName, systems[])").ThrowAsJavaScriptException();
      return;
    }
    dir_ = info[0].As<Napi::String>().Utf8Value();
    std::string name = info[1].As<Napi::String>().Utf8Value();
    Napi::Array sys = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < sys.Length(); i++) systems_.push_back(sys.Get(i).As<Napi::String>().Utf8Value());
    std::vector<const char *> names;
    for (auto &s : systems_) names.push_back(s.c_str());
    names.push_back(nullptr);
    tep_ = tracefs_local_events_system(dir_.c_str(), names.data());
    if (!tep_) {
      Napi::Error::New(env, "libtraceevent could not load the format files under " + dir_ + "/events").ThrowAsJavaScriptException();
      return;
    }
    instance_ = tracefs_instance_alloc(dir_.c_str(), name.c_str());
    if (!instance_) {
      Napi::Error::New(env, "libtracefs could not open instance " + name).ThrowAsJavaScriptException();
      return;
    }
  }

  ~Reader() { release(); }

 private:
  void release() {
    if (instance_) tracefs_instance_free(instance_);
    instance_ = nullptr;
    if (tep_) tep_free(tep_);
    tep_ = nullptr;
  }

  // poll(): { events, missed, missedUnknown } with everything the buffers hold now
  Napi::Value Poll(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    if (!tep_ || !instance_) {
      Napi::Error::New(env, "reader is closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Batch b{env, Napi::Array::New(env), 0, 0, false, tep_, {}};
    trace_seq_init(&b.seq);
    int r = tracefs_iterate_raw_events(tep_, instance_, nullptr, 0, onRecord, &b);
    trace_seq_destroy(&b.seq);
    if (r < 0) {
      Napi::Error::New(env, "reading the raw ring buffers failed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("events", b.events);
    out.Set("missed", Napi::Number::New(env, static_cast<double>(b.missed)));
    out.Set("missedUnknown", b.missedUnknown);
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo &info) {
    release();
    return info.Env().Undefined();
  }

  std::string dir_;
  std::vector<std::string> systems_;
  tep_handle *tep_ = nullptr;
  tracefs_instance *instance_ = nullptr;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) { return Reader::Init(env, exports); }

}  // namespace

NODE_API_MODULE(iomap_sim_tracefs, Init)
