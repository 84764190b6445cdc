// The store's accept + outcome statements in a tight C loop, to measure SQLite's own cost per
// event for a schema without the relay around it (see docs/PERFORMANCE.md, change 9).
//   bench/store_loop.sh            (builds this with cc -lsqlite3 and runs schemas 1 to 4)
// Per batch of B=30 events: the previous batch's 3 outcomes per event, then for each event
// a token, the event (900-byte body) and 3 claimed deliveries, each event in a savepoint;
// from schema 4 the token is appended (the relay finds it through an in-memory index, not run here);
// WAL, synchronous = FULL, the relay's pragmas. Env: SP=0 no savepoints, OUT=0 no outcomes,
// TOK=0 no tokens, SYNC=0 synchronous off, NOMUTEX=1 and NOMEMSTAT=1 SQLite's mutexes and
// memory statistics off. "written" is bytes written (WAL and checkpoints).
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double cpu(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec/1e9;}
static long long wchar(){FILE*f=fopen("/proc/self/io","r");char k[64];long long v=0,r=0;while(fscanf(f,"%63s %lld",k,&v)==2)if(!strcmp(k,"wchar:"))r=v;fclose(f);return r;}
static char *readf(const char*p){FILE*f=fopen(p,"r");fseek(f,0,2);long n=ftell(f);rewind(f);char*b=malloc(n+1);fread(b,1,n,f);b[n]=0;fclose(f);return b;}
static void ex(sqlite3*db,const char*s){char*e=0;if(sqlite3_exec(db,s,0,0,&e)){fprintf(stderr,"%s: %s\n",s,e);exit(1);}}
static sqlite3_stmt*P(sqlite3*db,const char*s){sqlite3_stmt*st;if(sqlite3_prepare_v2(db,s,-1,&st,0)){fprintf(stderr,"%s\n",sqlite3_errmsg(db));exit(1);}return st;}
static void rnd(char*b,int n){static const char*a="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";for(int i=0;i<n;i++)b[i]=a[random()%62];b[n]=0;}
int main(int argc,char**argv){
  int sp=atoi(getenv("SP")?:"1"), outcomes=atoi(getenv("OUT")?:"1"), tokens=atoi(getenv("TOK")?:"1"), nomutex=atoi(getenv("NOMUTEX")?:"0"), sync=atoi(getenv("SYNC")?:"2");
  int N=50000,B=30;
  const char*db_path=argv[2];char w[512],m[512];snprintf(w,512,"%s-wal",db_path);snprintf(m,512,"%s-shm",db_path);unlink(db_path);unlink(w);unlink(m);
  if(getenv("NOMEMSTAT")) sqlite3_config(SQLITE_CONFIG_MEMSTATUS,0);
  sqlite3*db; sqlite3_open_v2(db_path,&db,SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE|(nomutex?SQLITE_OPEN_NOMUTEX:SQLITE_OPEN_FULLMUTEX),0);
  ex(db,"PRAGMA journal_mode=WAL; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=4096; PRAGMA cache_size=-8192;");
  ex(db, sync==2?"PRAGMA synchronous=FULL":"PRAGMA synchronous=OFF");
  ex(db,readf(argv[1]));
  int v2=strstr(readf(argv[1]),"event           INTEGER")!=0||strstr(readf(argv[1]),"event INTEGER")!=0;
  sqlite3_stmt*s_sp=P(db,"SAVEPOINT w"),*s_rel=P(db,"RELEASE w"),*s_ft=P(db,"SELECT event_id FROM tokens WHERE source=? AND token=?"),
   *s_it=P(db,"INSERT INTO tokens (source, token, event_id, expires_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING"),
   *s_ie=P(db, v2?"INSERT INTO events (event_id,source,event_type,domain,content_type,body,received_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(event_id, source) DO NOTHING":"INSERT INTO events VALUES (?,?,?,?,?,?,?) ON CONFLICT(event_id) DO NOTHING"),
   *s_id=P(db, v2?"INSERT INTO deliveries (event,destination,url,state,attempts,next_attempt_at,created_at,updated_at,claimed) VALUES (?,?,?,'pending',0,NULL,?,?,1) ON CONFLICT DO NOTHING":"INSERT INTO deliveries (event_id,destination,url,state,attempts,next_attempt_at,created_at,updated_at,claimed) VALUES (?,?,?,'pending',0,NULL,?,?,1) ON CONFLICT DO NOTHING"),
   *s_up=P(db,"UPDATE deliveries SET state=?, attempts=?, next_attempt_at=?, last_status=?, last_error=?, claimed=0, updated_at=? WHERE id=?");
  char body[900]; memset(body,'x',900);
  const char*urls[3]={"http://127.0.0.1:19101/","http://127.0.0.1:19102/","http://127.0.0.1:19103/"};
  const char*dests[3]={"d0","d1","d2"};
  sqlite3_int64 pend[200];int np=0;
  long long io0=wchar();
  double c0=cpu(),w0=now();
  for(int b=0;b<N/B;b++){
    ex(db,"BEGIN IMMEDIATE");
    sqlite3_int64 t=(sqlite3_int64)(now()*1000);
    if(outcomes){ if(sp)sqlite3_step(s_sp),sqlite3_reset(s_sp);
      for(int i=0;i<np;i++){sqlite3_bind_text(s_up,1,"delivered",-1,SQLITE_STATIC);sqlite3_bind_int(s_up,2,1);sqlite3_bind_null(s_up,3);sqlite3_bind_int(s_up,4,200);sqlite3_bind_null(s_up,5);sqlite3_bind_int64(s_up,6,t);sqlite3_bind_int64(s_up,7,pend[i]);sqlite3_step(s_up);sqlite3_reset(s_up);}
      if(sp)sqlite3_step(s_rel),sqlite3_reset(s_rel);}
    np=0;
    for(int i=0;i<B;i++){
      char eid[23],tok[51];rnd(eid,22);rnd(tok,50);
      if(sp){sqlite3_step(s_sp);sqlite3_reset(s_sp);}
      if(tokens){sqlite3_bind_text(s_it,1,"mailgun",-1,SQLITE_STATIC);sqlite3_bind_text(s_it,2,tok,-1,SQLITE_TRANSIENT);sqlite3_bind_text(s_it,3,eid,-1,SQLITE_TRANSIENT);sqlite3_bind_int64(s_it,4,t+3600000);sqlite3_step(s_it);sqlite3_reset(s_it);
      if(sqlite3_changes(db)==0){sqlite3_bind_text(s_ft,1,"mailgun",-1,SQLITE_STATIC);sqlite3_bind_text(s_ft,2,tok,-1,SQLITE_TRANSIENT);sqlite3_step(s_ft);sqlite3_reset(s_ft);}}
      sqlite3_bind_text(s_ie,1,eid,-1,SQLITE_TRANSIENT);sqlite3_bind_text(s_ie,2,"mailgun",-1,SQLITE_STATIC);sqlite3_bind_text(s_ie,3,"delivered",-1,SQLITE_STATIC);sqlite3_bind_text(s_ie,4,"mg.example.com",-1,SQLITE_STATIC);sqlite3_bind_text(s_ie,5,"application/json",-1,SQLITE_STATIC);sqlite3_bind_blob(s_ie,6,body,900,SQLITE_TRANSIENT);sqlite3_bind_int64(s_ie,7,t);
      if(sqlite3_step(s_ie)!=SQLITE_DONE){fprintf(stderr,"ie %s\n",sqlite3_errmsg(db));exit(1);}sqlite3_reset(s_ie);
      sqlite3_int64 ref=sqlite3_last_insert_rowid(db);
      for(int d=0;d<3;d++){ if(v2)sqlite3_bind_int64(s_id,1,ref); else sqlite3_bind_text(s_id,1,eid,-1,SQLITE_TRANSIENT);
        sqlite3_bind_text(s_id,2,dests[d],-1,SQLITE_STATIC);sqlite3_bind_text(s_id,3,urls[d],-1,SQLITE_STATIC);sqlite3_bind_int64(s_id,4,t);sqlite3_bind_int64(s_id,5,t);
        if(sqlite3_step(s_id)!=SQLITE_DONE){fprintf(stderr,"id %s\n",sqlite3_errmsg(db));exit(1);}sqlite3_reset(s_id);pend[np++]=sqlite3_last_insert_rowid(db);}
      if(sp){sqlite3_step(s_rel);sqlite3_reset(s_rel);}
    }
    ex(db,"COMMIT");
  }
  double c1=cpu(),w1=now();
  printf("%s sp=%d out=%d tok=%d sync=%d: cpu %.1f us/event, wall %.1f us/event, written %.1f KiB/event\n",argv[1],sp,outcomes,tokens,sync,(c1-c0)/N*1e6,(w1-w0)/N*1e6,(wchar()-io0)/1024.0/N);
}
